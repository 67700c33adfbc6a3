#!/bin/sh
# check-symbols.sh PLUGIN [PPPD]: every symbol PLUGIN imports must be one
# that pppd defines (imported unversioned) or one that the C library pppd
# links defines (imported versioned), and no versioned import may name a
# symbol pppd also defines: a plugin built with glibc's error() or warn()
# in scope imports error@GLIBC where pppd's own error() was meant. The
# plugin must export plugin_init and pppd_version and nothing else.
set -eu
plugin=$1
pppd=${2:-/usr/sbin/pppd}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$pppd" | awk '{print $3}' | sort -u >"$tmp/pppd"
: >"$tmp/libs"
for lib in $(ldd "$pppd" | awk '$1 ~ /^lib(c|dl)\.so/ {print $3}'); do
    nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' >>"$tmp/libs"
done
sort -u -o "$tmp/libs" "$tmp/libs"
if [ ! -s "$tmp/libs" ]; then
    echo "check-symbols: found no C library linked by $pppd" >&2
    exit 1
fi

status=0
nm -D --undefined-only "$plugin" | awk '{print $1, $2}' >"$tmp/undefined"
while read -r kind symbol; do
    name=${symbol%%@*}
    if [ "$name" != "$symbol" ]; then
        if grep -qxF "$name" "$tmp/pppd"; then
            echo "check-symbols: $symbol is bound to the C library, but pppd defines its own $name" >&2
            status=1
        elif ! grep -qxF "$name" "$tmp/libs" && [ "$kind" != w ]; then
            echo "check-symbols: $symbol is not in the C library pppd uses" >&2
            status=1
        fi
    elif ! grep -qxF "$name" "$tmp/pppd" && [ "$kind" != w ]; then
        echo "check-symbols: $symbol is not defined by $pppd" >&2
        status=1
    fi
done <"$tmp/undefined"

exports=$(nm -D --defined-only "$plugin" | awk '{print $3}' | sort | tr '\n' ' ')
if [ "$exports" != "plugin_init pppd_version " ]; then
    echo "check-symbols: $plugin exports '$exports', expected only plugin_init and pppd_version" >&2
    status=1
fi

if [ "$status" -eq 0 ]; then
    echo "check-symbols: $(wc -l <"$tmp/undefined") imports of $plugin all resolve against $pppd or its C library"
fi
exit $status
