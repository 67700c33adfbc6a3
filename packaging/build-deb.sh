#!/bin/sh
# Builds the Debian package from `make install` (packaging/README.md):
#   packaging/build-deb.sh [OUTDIR]        (default .build/deb)
# The binaries are the release build (Swift runtime linked statically);
# SWIFT_BIN_DIR=.build/debug (or CONFIG=debug) packages another build.
# Depends: comes from dpkg-shlibdeps over every ELF file in the package,
# the control file from dpkg-gencontrol over packaging/debian/control.
# DEB_COMPRESS overrides dpkg-deb's compression (default -Zxz -z6).
# Prints the path of the .deb on its last line.
set -eu
cd "$(dirname "$0")/.."
umask 022
OUT=${1:-.build/deb}
CONFIG=${CONFIG:-$(basename "${SWIFT_BIN_DIR:-release}")}
SWIFT_BIN_DIR=${SWIFT_BIN_DIR:-.build/$CONFIG}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
chmod 0755 "$WORK"
PKG=$WORK/debian/sstp-client-swift
mkdir -p "$PKG" "$OUT"
make -s install DESTDIR="$PKG" CONFIG="$CONFIG" SWIFT_BIN_DIR="$SWIFT_BIN_DIR" >&2

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

# Strip as dh_strip does: no debug sections, .comment or .note in what ships.
ELF=""
for f in $(find "$PKG" -type f | sort); do
    if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = "177ELF" ]; then
        strip --remove-section=.comment --remove-section=.note --strip-unneeded "$f"
        ELF="$ELF $f"
    fi
done

doc=$PKG/usr/share/doc/sstp-client-swift
install -d "$doc"
install -m 0644 packaging/debian/copyright "$doc/copyright"
gzip -9n -c "$WORK/debian/changelog" > "$doc/changelog.gz"
gzip -9n -c README.md > "$doc/README.md.gz"
chmod 0644 "$doc"/*

install -d "$PKG/DEBIAN"
for script in postinst prerm postrm; do
    install -m 0755 "packaging/debian/$script" "$PKG/DEBIAN/$script"
done
(
    cd "$WORK"
    # shellcheck disable=SC2086
    dpkg-shlibdeps -Tdebian/substvars $ELF
    dpkg-gencontrol -psstp-client-swift -v"$VERSION" -Tdebian/substvars -Pdebian/sstp-client-swift
)
(cd "$PKG" && find . -type f ! -path './DEBIAN/*' -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' md5sum > DEBIAN/md5sums)
chmod 0644 "$PKG/DEBIAN/control" "$PKG/DEBIAN/md5sums"

ARCH=$(dpkg --print-architecture)
DEB=$OUT/sstp-client-swift_${VERSION}_${ARCH}.deb
# DEB_COMPRESS: dpkg-deb's compressor options; the tests pick a fast one
# (xz -6 takes about 50 s for the 16 MB binaries on 2 busy cores).
# shellcheck disable=SC2086
dpkg-deb --root-owner-group ${DEB_COMPRESS:--Zxz -z6} --build "$PKG" "$DEB" >/dev/null
echo "$DEB"
