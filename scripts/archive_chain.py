"""What a reader of an RFC 5005 archived feed rebuilds: shared by
scripts/crash-test.py and scripts/soak.py (both run from scripts/)."""
import os
import xml.etree.ElementTree as ET

ATOM = "{http://www.w3.org/2005/Atom}"


def archive_chain(out, first="publications.atom"):
    """The entry ids of each document a reader reaches by following
    rel="prev-archive" from `first` in directory `out`, in that order:
    [(file name, set of ids)], `first` itself first."""
    chain, name = [], first
    while name and name not in {n for n, _ in chain}:
        root = ET.parse(os.path.join(out, name)).getroot()
        chain.append((name, {e.findtext(ATOM + "id") for e in root.findall(ATOM + "entry")}))
        prev = [l.get("href") for l in root.findall(ATOM + "link") if l.get("rel") == "prev-archive"]
        name = prev[0].rsplit("/", 1)[-1] if prev else None
    return chain


def ids_in(chain):
    """Every id of the documents of `chain` (a part of `archive_chain`'s answer)."""
    return set().union(*(ids for _, ids in chain))
