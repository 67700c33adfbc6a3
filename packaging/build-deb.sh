#!/bin/sh
# Builds the two Debian packages from `make install` (packaging/README.md):
#   packaging/build-deb.sh [OUTDIR]        (default .build/deb)
# sstp-client-swift holds everything that runs without GTK (the command,
# the service, the NetworkManager plugin, the terminal auth dialog, D-Bus
# files, units, man pages, completion, the pppd plugin);
# sstp-client-swift-gnome the GTK parts: the two editor libraries and the
# auth dialog's graphical module (as Debian splits network-manager-sstp
# and network-manager-sstp-gnome).
# The binaries are the release build (Swift runtime linked statically);
# SWIFT_BIN_DIR=.build/debug (or CONFIG=debug) packages another build.
# Depends: comes from dpkg-shlibdeps over each package's ELF files, each
# control file from dpkg-gencontrol -p over packaging/debian/control.
# DEB_COMPRESS overrides dpkg-deb's compression (default -Zxz -z6).
# Prints the paths of the two .debs on its last two lines (base first).
set -eu
cd "$(dirname "$0")/.."
umask 022
OUT=${1:-.build/deb}
CONFIG=${CONFIG:-$(basename "${SWIFT_BIN_DIR:-release}")}
SWIFT_BIN_DIR=${SWIFT_BIN_DIR:-.build/$CONFIG}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
chmod 0755 "$WORK"
BASE=sstp-client-swift
GNOME=sstp-client-swift-gnome
PKG=$WORK/debian/$BASE
GPKG=$WORK/debian/$GNOME
mkdir -p "$PKG" "$GPKG" "$OUT"
make -s install DESTDIR="$PKG" CONFIG="$CONFIG" SWIFT_BIN_DIR="$SWIFT_BIN_DIR" >&2

# The GTK files move to the -gnome package, at the same paths. The base
# package copes without them: the editor plugin then says the window is
# missing, the auth dialog asks on the terminal.
moved=0
for f in $(cd "$PKG" && find . -type f \( -name libnm-vpn-plugin-sstp-editor.so \
        -o -name libnm-gtk4-vpn-plugin-sstp-editor.so -o -name sstp-auth-dialog-gtk.so \) | sort); do
    install -d "$GPKG/$(dirname "$f")"
    mv "$PKG/$f" "$GPKG/$f"
    moved=$((moved + 1))
done
if [ "$moved" -ne 3 ]; then
    echo "build-deb.sh: expected the 2 editor libraries and sstp-auth-dialog-gtk.so, found $moved" >&2
    exit 1
fi

# The version: the one the binary reports, plus the commit it was built
# from ("0.1.0 (commit 0123abcd-dirty)" -> 0.1.0+git0123abcd.dirty).
if [ -z "${VERSION:-}" ]; then
    line=$("$PKG/usr/bin/sstp" --version)
    base=${line%% *}
    commit=$(echo "$line" | sed -n 's/.*(commit \([^)]*\)).*/\1/p' | tr -- '-' '.')
    case "$commit" in ""|unknown) VERSION=$base ;; *) VERSION=$base+git$commit ;; esac
fi
COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
DATE=$(date -R -d "@$(git log -1 --format=%ct 2>/dev/null || date +%s)")

# The packaging tree dpkg-shlibdeps and dpkg-gencontrol read.
cp packaging/debian/control packaging/debian/copyright "$WORK/debian/"
sed -e "s/@VERSION@/$VERSION/" -e "s/@COMMIT@/$COMMIT/" -e "s/@DATE@/$DATE/" \
    packaging/debian/changelog.in > "$WORK/debian/changelog"

is_elf() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = "177ELF" ]; }

for name in $BASE $GNOME; do
    dir=$WORK/debian/$name
    # Strip as dh_strip does: no debug sections, .comment or .note in what ships.
    elf=""
    for f in $(find "$dir" -type f | sort); do
        if is_elf "$f"; then
            strip --remove-section=.comment --remove-section=.note --strip-unneeded "$f"
            elf="$elf $f"
        fi
    done
    # Each package its own doc directory with copyright and changelog.
    doc=$dir/usr/share/doc/$name
    install -d "$doc"
    install -m 0644 packaging/debian/copyright "$doc/copyright"
    gzip -9n -c "$WORK/debian/changelog" > "$doc/changelog.gz"
    if [ "$name" = "$BASE" ]; then
        gzip -9n -c README.md > "$doc/README.md.gz"
    fi
    chmod 0644 "$doc"/*

    install -d "$dir/DEBIAN"
    if [ "$name" = "$BASE" ]; then
        for script in postinst prerm postrm; do
            install -m 0755 "packaging/debian/$script" "$dir/DEBIAN/$script"
        done
    fi
    (
        cd "$WORK"
        # shellcheck disable=SC2086
        dpkg-shlibdeps -Tdebian/$name.substvars $elf
        dpkg-gencontrol -p"$name" -v"$VERSION" -Tdebian/$name.substvars -Pdebian/$name
    )
    (cd "$dir" && find . -type f ! -path './DEBIAN/*' -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' md5sum > DEBIAN/md5sums)
    chmod 0644 "$dir/DEBIAN/control" "$dir/DEBIAN/md5sums"
done

ARCH=$(dpkg --print-architecture)
# DEB_COMPRESS: dpkg-deb's compressor options; the tests pick a fast one
# (xz -6 takes about 50 s for the 16 MB binaries on 2 busy cores).
for name in $BASE $GNOME; do
    # shellcheck disable=SC2086
    dpkg-deb --root-owner-group ${DEB_COMPRESS:--Zxz -z6} --build "$WORK/debian/$name" \
        "$OUT/${name}_${VERSION}_${ARCH}.deb" >/dev/null
done
for name in $BASE $GNOME; do
    echo "$OUT/${name}_${VERSION}_${ARCH}.deb"
done
