#!/bin/sh
# Builds a Debian package from `make install` (release build by default):
#   packaging/build-deb.sh [OUTDIR]
# The package installs the same files as `make install`: /usr/bin/sstp,
# /usr/libexec/sstp/{sstp-service,sstp-auth-dialog}, the NetworkManager
# .name file and editor plugin, the D-Bus policy, activation file and
# introspection XML, and the pppd bridge plugin when built.
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-.build/deb}
SWIFT_BIN_DIR=${SWIFT_BIN_DIR:-.build/release}
if [ ! -x "$SWIFT_BIN_DIR/sstp" ]; then
    swift build -c release --product sstp
    swift build -c release --product sstp-service
fi
VERSION=${VERSION:-0.1.0+git$(git rev-parse --short HEAD 2>/dev/null || echo 0)}
ARCH=$(dpkg --print-architecture)
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
make -s install DESTDIR="$ROOT" SWIFT_BIN_DIR="$SWIFT_BIN_DIR"
mkdir -p "$ROOT/DEBIAN" "$OUT"
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" packaging/debian/control.in > "$ROOT/DEBIAN/control"
install -m 0755 packaging/debian/postinst "$ROOT/DEBIAN/postinst"
# Release binaries carry no debug sections worth shipping.
find "$ROOT/usr" -type f -perm -u+x -exec strip --strip-unneeded {} + 2>/dev/null || true
mkdir -p "$ROOT/usr/share/doc/sstp-client-swift"
cp README.md "$ROOT/usr/share/doc/sstp-client-swift/"
dpkg-deb --root-owner-group --build "$ROOT" "$OUT/sstp-client-swift_${VERSION}_${ARCH}.deb" >/dev/null
echo "$OUT/sstp-client-swift_${VERSION}_${ARCH}.deb"
