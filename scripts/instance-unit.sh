#!/usr/bin/env bash
# instance-unit.sh < systemd/feedd.service > feedd@.service
# The template unit for one site per instance (`feedd@NAME.service`), made
# from the one unit so there is one sandbox to keep: instance NAME reads
# /etc/feedd/NAME.toml, keeps its state in /var/lib/feedd/NAME and may write
# only /srv/feedd/NAME/feeds. Everything else is feedd.service's.
set -euo pipefail
sed -e 's|^# feedd: watches a directory.*|# feedd@NAME: one site per instance (/etc/feedd/NAME.toml); made from feedd.service by scripts/instance-unit.sh.|' \
    -e 's|^Description=.*|Description=feedd Atom feed daemon for site %i|' \
    -e 's|--config /etc/feedd/feedd.toml|--config /etc/feedd/%i.toml|' \
    -e 's|^StateDirectory=feedd$|StateDirectory=feedd/%i|' \
    -e 's|^ReadWritePaths=/srv/feedd/feeds$|ReadWritePaths=/srv/feedd/%i/feeds|'
