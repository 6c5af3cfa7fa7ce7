#!/bin/bash
# Enable deb-src for the Debian archives this machine already uses.
# The entries are derived from the machine's own apt configuration so no
# archive host is ever written down by us.
set -euo pipefail
OUT=/etc/apt/sources.list.d/idxd-siov-deb-src.sources
[ -f "$OUT" ] && exit 0

tmp=$(mktemp)
# deb822 files: copy every stanza of Types: deb for Debian's own suites.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	[ "$f" = "$OUT" ] && continue
	awk 'BEGIN { RS = ""; ORS = "\n\n" }
	     /Types:[^\n]*deb/ && /debian-archive-keyring|Suites:[^\n]*(bookworm|trixie|sid)/ {
		sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f" >>"$tmp"
done
# one-line format
if [ -f /etc/apt/sources.list ]; then
	grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
	while read -r _ uri suite comps; do
		printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n\n' \
			"$uri" "$suite" "$comps"
	done >>"$tmp"
fi
[ -s "$tmp" ] || { echo "deb-src: no Debian apt source found" >&2; exit 1; }
install -m 0644 "$tmp" "$OUT"
rm -f "$tmp"
apt-get update -q
