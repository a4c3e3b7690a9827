#!/usr/bin/env bash
# make vm-check: the shipped systemd unit under a real systemd.
#
# Boots a minimal Debian 12 (bookworm) guest with qemu that holds exactly
# what `make install DESTDIR=... PREFIX=/usr/local` produced, and checks as an
# operator would (scripts/vm-check-guest.sh, run in the guest after boot):
#   sysusers-tmpfiles  systemd-sysusers and systemd-tmpfiles --create (the
#                      README's steps; make install only copies the snippets)
#                      give the user feedd, /srv/feedd/entries and /srv/feedd/feeds
#   start              systemctl enable --now feedd; is-active within 20 s
#   reload             systemctl reload feedd exits 0, the unit stays active,
#                      feedd logs "configuration reloaded" within 10 s
#   new-entry          a Markdown entry renamed into /srv/feedd/entries is in
#                      the publications feed within 10 s
#   stop               systemctl stop feedd exits 0, ExecMainStatus=0, Result=success
#   journal            every line of the unit's journal not from PID 1 is one
#                      of feedd's own "LEVEL MESSAGE" lines (no Swift runtime
#                      or reload-helper messages)
# and prints `systemd-analyze security feedd` as the guest sees it.
#
# Time, measured on a 2-core machine whose /dev/kvm is PVM (no vmx/svm), so
# the guest ran under TCG software emulation, with other builds running:
# from a clean checkout 4.5 min (the release build, 3.5 min, overlaps
# debootstrap, 2.5 min; the image 5 s; the guest under TCG 45 s); with feedd
# built and the rootfs cached in .build-vm/, 40-60 s. Under KVM the guest
# part should be a few times faster (not measured).
#
# Needs root (debootstrap, chroot, an image holding root-owned files) and the
# network to the Debian mirror (the bookworm one in /etc/apt/sources.list.d/
# debian.sources or /etc/apt/sources.list, else deb.debian.org). Installs
# qemu-system-x86, debootstrap and e2fsprogs with apt-get when missing.
#
#   scripts/vm-check.sh [--no-cache] [--tcg | --kvm]
#     --no-cache   build the Debian rootfs afresh (as CI does) and cache that
#     --tcg        software emulation even when /dev/kvm is usable
#     --kvm        try KVM even when /proc/cpuinfo shows no vmx/svm
#   VM_TIMEOUT=seconds   the guest's hard limit (default 300 with KVM, 900 with TCG)
#   VM_MIRROR=url        the Debian mirror for debootstrap
#   VM_KVM_CPU=model     qemu's -cpu under KVM (default host)
#   VM_DIR=dir           cache and work directory (default .build-vm, gitignored)
#
# Exits 0 only when every check passed. The guest's console is kept in
# $VM_DIR/run/console.log.
set -euo pipefail
cd "$(dirname "$0")/.."

t_start=$(date +%s)
elapsed() { echo $(($(date +%s) - t_start)); }
step() { printf '== [%3ds] %s\n' "$(elapsed)" "$*"; }
die() { printf 'vm-check: %s\n' "$*" >&2; exit 1; }

no_cache=0
force_tcg=0
force_kvm=0
for arg in "$@"; do
    case "$arg" in
        --no-cache) no_cache=1 ;;
        --tcg) force_tcg=1 ;;
        --kvm) force_kvm=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument $arg (see --help)" ;;
    esac
done

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, root-owned files in the image): sudo make vm-check"

SUITE=bookworm
CHECKS=7   # PASS lines the guest must print (scripts/vm-check-guest.sh)
VM_DIR=$(mkdir -p "${VM_DIR:-.build-vm}" && cd "${VM_DIR:-.build-vm}" && pwd)
work=$VM_DIR/run

# --- host tools --------------------------------------------------------------
step "host tools"
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
command -v debootstrap >/dev/null || missing+=(debootstrap)
[ -r /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
fi

# --- make install, in the background --------------------------------------
# The release build (minutes) and debootstrap (mostly the network) overlap.
# make runs in a process group of its own, ended if this script ends first.
step "make install DESTDIR=$work/install PREFIX=/usr/local (building in the background)"
rm -rf --one-file-system "$work"
mkdir -p "$work"
setsid make --no-print-directory install DESTDIR="$work/install" PREFIX=/usr/local \
    > "$work/install.log" 2>&1 < /dev/null &
make_pid=$!
trap 'kill -- -$make_pid 2>/dev/null || true' EXIT

# --- the guest's packages ----------------------------------------------------
# systemd as init, a kernel (and its initramfs), and the runtime libraries of
# what scripts/setup.sh installs headers for (libxml2-dev, libcmark-gfm-dev,
# libcmark-gfm-extensions-dev, libsqlite3-dev, libcurl4-openssl-dev for
# FoundationNetworking's WebSub pings); the Swift runtime is linked
# in (--static-swift-stdlib). `ldd` in the guest's tree checks below that
# nothing feedd loads is missing. No procps: ExecReload must not need it.
packages=(systemd systemd-sysv linux-image-amd64
    libxml2 libcmark-gfm0.29.0.gfm.6 libcmark-gfm-extensions0.29.0.gfm.6 libsqlite3-0 libcurl4)

mirror=${VM_MIRROR:-}
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
    mirror=$(awk -v RS= -v suite="$SUITE" '{
        uris = ""; ok = 0; n = split($0, line, "\n")
        for (i = 1; i <= n; i++) {
            if (line[i] ~ /^URIs:/) { split(line[i], f, /[ \t]+/); uris = f[2] }
            if (line[i] ~ /^Suites:/) { m = split(line[i], f, /[ \t]+/); for (j = 2; j <= m; j++) if (f[j] == suite) ok = 1 }
        }
        if (ok && uris != "") { print uris; exit }
    }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
    mirror=$(awk -v suite="$SUITE" '$1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }   # [options]
        if ($(i + 1) == suite) { print $i; exit }
    }' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}

# --- the Debian rootfs, cached -----------------------------------------------
# Removes a directory tree that may hold mounts left by an interrupted
# debootstrap (proc, sys) without ever following them.
remove_tree() {
    local dir=$1
    [ -e "$dir" ] || return 0
    { findmnt -rn -o TARGET | grep -F "$dir/" || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
    rm -rf --one-file-system "$dir"
}

# The rootfs: debootstrap minbase plus the packages above; then only what a
# test machine needs: no apt cache, a host name, no login prompt on the
# serial console the results come back on, and no apt/e2scrub/fstrim/dpkg
# timers firing during the check. The cache key hashes this function, so
# editing it rebuilds the cache.
make_rootfs() {
    local dest=$1 tmp=$1.tmp include
    include=$(IFS=,; echo "${packages[*]}")
    remove_tree "$tmp"
    echo "debootstrap --variant=minbase --include=$include $SUITE $tmp $mirror"
    if ! debootstrap --variant=minbase --include="$include" "$SUITE" "$tmp" "$mirror" > "$VM_DIR/debootstrap.log" 2>&1; then
        tail -30 "$VM_DIR/debootstrap.log"
        remove_tree "$tmp"
        die "debootstrap failed (log: $VM_DIR/debootstrap.log)"
    fi
    chroot "$tmp" apt-get clean
    rm -rf "$tmp"/var/lib/apt/lists/*
    echo vmcheck > "$tmp/etc/hostname"
    for unit in serial-getty@ttyS0.service apt-daily.timer apt-daily-upgrade.timer \
        dpkg-db-backup.timer e2scrub_all.timer fstrim.timer; do
        ln -sf /dev/null "$tmp/etc/systemd/system/$unit"
    done
    ls "$tmp"/boot/vmlinuz-* "$tmp"/boot/initrd.img-* >/dev/null || die "debootstrap left no kernel or initrd in $tmp/boot"
    [ ! -e "$tmp/bin/kill" ] && [ ! -e "$tmp/usr/bin/kill" ] || die "the rootfs has a kill binary (procps?); the check must run without one"
    touch "$tmp/.vmcheck-rootfs"
    mv "$tmp" "$dest"
}

key=$( { echo "$SUITE $mirror"; printf '%s\n' "${packages[@]}"; declare -f make_rootfs; } | sha256sum | cut -c1-16)
rootfs=$VM_DIR/rootfs-$key
for old in "$VM_DIR"/rootfs-*; do
    [ -e "$old" ] && [ "$old" != "$rootfs" ] && { echo "removing the stale cached rootfs $old"; remove_tree "$old"; }
done
if [ $no_cache = 1 ]; then
    remove_tree "$rootfs"
fi
if [ -e "$rootfs/.vmcheck-rootfs" ]; then
    step "Debian $SUITE rootfs: cached in $rootfs"
else
    step "Debian $SUITE rootfs: debootstrap from $mirror (cached afterwards in $rootfs)"
    make_rootfs "$rootfs"
fi

# --- the installed tree ------------------------------------------------------
step "waiting for make install"
make_rc=0
wait $make_pid || make_rc=$?
trap - EXIT
if [ $make_rc != 0 ]; then
    tail -40 "$work/install.log"
    die "make install failed (exit $make_rc; log: $work/install.log)"
fi
bin="$work/install/usr/local/bin/feedd"
[ -x "$bin" ] || die "make install left no $bin"
(cd "$work/install" && find . -type f | sort | sed 's|^\.|  installed |')

# --- the guest's disk ----------------------------------------------------------
# A copy of the rootfs (hard links: nothing in it is edited, only files added),
# the install tree over it, the check script and its oneshot unit; an ext4
# image made from that tree by mkfs.ext4 -d (no loop mount).
step "disk image"
root=$work/root
cp -al "$rootfs" "$root"
rm -f "$root/.vmcheck-rootfs"
# (--no-overwrite-dir: /usr, /etc... keep the rootfs's owners and modes)
tar -C "$work/install" -cf - . | tar -C "$root" -xf - --no-overwrite-dir
missing_libs=$(chroot "$root" ldd /usr/local/bin/feedd | awk '/not found/ { print $1 }')
if [ -n "$missing_libs" ]; then
    for lib in $missing_libs; do
        echo "  $lib: $(dpkg -S "*/$lib" 2>/dev/null | head -1 | cut -d: -f1 || true) on this machine"
    done
    die "the guest lacks libraries feedd loads (above); add their packages to packages= in $0"
fi
install -D -m 0755 scripts/vm-check-guest.sh "$root/root/vmcheck/check.sh"
cat > "$root/etc/systemd/system/vmcheck.service" <<'EOF'
[Unit]
Description=feedd VM check (scripts/vm-check-guest.sh), then power off
After=multi-user.target
SuccessAction=poweroff
FailureAction=poweroff

[Service]
Type=oneshot
ExecStart=/root/vmcheck/check.sh
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
TTYReset=no
TTYVHangup=no
TimeoutStartSec=600

[Install]
WantedBy=multi-user.target
EOF
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -s /etc/systemd/system/vmcheck.service "$root/etc/systemd/system/multi-user.target.wants/vmcheck.service"
kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -1)
cp "$kernel" "$initrd" "$work/"
kernel=$work/$(basename "$kernel")
initrd=$work/$(basename "$initrd")
size_mb=$(( $(du -sm "$root" | cut -f1) * 5 / 4 + 256 ))
truncate -s "${size_mb}M" "$work/disk.img"
mkfs.ext4 -q -F -L vmcheck -d "$root" "$work/disk.img"
remove_tree "$root"

# --- boot --------------------------------------------------------------------
# KVM (-cpu host) when /dev/kvm is usable: hardware virtualisation (vmx or
# svm) and a vCPU qemu can start. A /dev/kvm without vmx/svm (PVM, as in some
# sandboxes) only boots PVM-enabled guest kernels, not Debian's. And if the
# kernel still says nothing within 30 s under KVM, the guest is booted again
# under TCG (software emulation).
kvm_cpu_starts() {
    (echo quit | timeout 20 qemu-system-x86_64 -enable-kvm -cpu "$kvm_cpu" -S -nodefaults \
        -display none -monitor stdio -m 64 >/dev/null 2>&1) 2>/dev/null
}
kvm_cpu=${VM_KVM_CPU:-host}
tcg_accel=(-accel tcg -cpu max)
accel_name=TCG
accel=("${tcg_accel[@]}")
if [ $force_tcg = 1 ]; then
    why_tcg="--tcg"
elif [ ! -c /dev/kvm ] || ! (exec 3<>/dev/kvm) 2>/dev/null; then
    why_tcg="no usable /dev/kvm"
elif [ $force_kvm = 0 ] && ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
    why_tcg="/dev/kvm is there but the CPU has no vmx/svm$( [ -d /sys/module/kvm_pvm ] && echo " (kvm_pvm: PVM boots only PVM-enabled guest kernels)"); --kvm tries it anyway"
elif ! kvm_cpu_starts; then
    why_tcg="qemu cannot start a -cpu $kvm_cpu vCPU on /dev/kvm"
else
    accel_name=KVM
    accel=(-enable-kvm -cpu "$kvm_cpu")
fi
[ "$accel_name" = TCG ] && echo "TCG: $why_tcg"

# Boots the guest with the accelerator arguments given; its serial console
# goes to console.log, its VMCHECK lines to the terminal as they come.
# LIFE_LIMIT=seconds: give up (no_life=1) when the kernel has printed nothing
# by then.
run_guest() {
    local pid printer waited=0
    : > "$work/console.log"
    no_life=0
    timeout -k 10 "$timeout" qemu-system-x86_64 "$@" -smp 2 -m 1024 \
        -nodefaults -display none -no-reboot -monitor none \
        -serial "file:$work/console.log" \
        -kernel "$kernel" -initrd "$initrd" \
        -append "root=/dev/vda rw console=ttyS0 loglevel=6 panic=-1" \
        -drive "file=$work/disk.img,format=raw,if=virtio" \
        < /dev/null 2> "$work/qemu.stderr" &
    pid=$!
    tail -n +1 -F --pid=$pid "$work/console.log" 2>/dev/null \
        | sed -un 's/\r$//; s/^.*VMCHECK \(PASS\|FAIL\|INFO\) /  \1 /p' &
    printer=$!
    if [ -n "${LIFE_LIMIT:-}" ]; then
        while kill -0 $pid 2>/dev/null && ! grep -aq 'Linux version' "$work/console.log"; do
            if [ $waited -ge "$LIFE_LIMIT" ]; then
                no_life=1
                kill $pid 2>/dev/null || true
                break
            fi
            sleep 1
            waited=$((waited + 1))
        done
    fi
    qemu_rc=0
    wait $pid || qemu_rc=$?
    wait $printer || true
    sed -i 's/\r$//' "$work/console.log"
}

if [ "$accel_name" = KVM ]; then timeout=${VM_TIMEOUT:-300}; else timeout=${VM_TIMEOUT:-900}; fi
step "boot $(basename "$kernel") with qemu ($accel_name ${accel[*]}, at most ${timeout} s)"
t_boot=$(date +%s)
if [ "$accel_name" = KVM ]; then
    LIFE_LIMIT=30 run_guest "${accel[@]}"
    if [ $no_life = 1 ]; then
        accel_name=TCG
        timeout=${VM_TIMEOUT:-900}
        step "no kernel output in 30 s under KVM: boot again with TCG ${tcg_accel[*]}, at most ${timeout} s"
        t_boot=$(date +%s)
        run_guest "${tcg_accel[@]}"
    fi
else
    run_guest "${accel[@]}"
fi
t_vm=$(($(date +%s) - t_boot))

# --- results -----------------------------------------------------------------
vmlines() { grep -ao "VMCHECK $1 .*" "$work/console.log" | sed "s/^VMCHECK $1 //" || true; }
passes=$(vmlines PASS | grep -c . || true)
fails=$(vmlines FAIL | grep -cv '^journal:   ' || true)
done_line=$(vmlines DONE | tail -1)
echo
echo "results:"
grep -aoE 'VMCHECK (PASS|FAIL) .*' "$work/console.log" | grep -v '^VMCHECK FAIL journal:   ' \
    | sed 's/^VMCHECK /  /; s/^\(  [A-Z]* [a-z-]*\): \(.\{0,100\}\).*/\1: \2/' || true
echo "vm-check: $passes of $CHECKS checks passed, $fails failed; guest $accel_name ${t_vm} s (qemu exit $qemu_rc), total $(elapsed) s"
problem=""
[ $qemu_rc = 124 ] || [ $qemu_rc = 137 ] && problem="the guest did not finish within ${timeout} s"
[ -z "$problem" ] && [ -z "$done_line" ] && problem="the guest never printed VMCHECK DONE (qemu exit $qemu_rc)"
[ -z "$problem" ] && { [ "$fails" != 0 ] || [ "$passes" != "$CHECKS" ]; } && problem="$fails check(s) failed"
if [ -z "$problem" ]; then
    echo "vm-check: PASS"
    exit 0
fi
echo "vm-check: FAIL: $problem"
if [ -s "$work/qemu.stderr" ]; then
    echo "--- qemu's stderr"
    cat "$work/qemu.stderr"
fi
echo "--- the guest console's last 40 lines (all of it: $work/console.log)"
grep -av 'VMCHECK' "$work/console.log" | sed 's/\x1b\[[0-9;]*m//g' | tail -40
if grep -aq 'VMCHECK JOURNAL ' "$work/console.log"; then
    echo "--- journalctl -u feedd in the guest"
    vmlines JOURNAL
fi
exit 1
