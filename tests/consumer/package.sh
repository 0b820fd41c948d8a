#!/usr/bin/env bash
# Builds the Debian package (cmake --build BUILD --target package), checks its name and Depends,
# asks apt whether it would install (apt-get install --simulate: every dependency resolvable on
# this system), unpacks it into a scratch root and builds the consumer project against that root,
# with find_package and with pkg-config (lib.sh). A -DBUILD_SHARED_LIBS=ON build packages the shared
# library with its SONAME links and the static archive; a static build the static archive.
set -euo pipefail
build_dir="$(cd "$1" && pwd)"
src_dir="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tests/consumer/lib.sh
source "$src_dir/lib.sh"
work="$build_dir/package-test"
rm -rf "$work" && mkdir -p "$work"
cmake --build "$build_dir" --target package >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; exit 1; }
version=$(sed -n 's/^#define XGRAD_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' "$src_dir/../../include/xgrad/version.hpp" | paste -sd.)
deb="$build_dir/xgrad_${version}_$(dpkg --print-architecture).deb"
[ -f "$deb" ] || { echo "package: expected $deb; found: $(ls "$build_dir"/*.deb 2>/dev/null)"; exit 1; }
depends=$(dpkg-deb --field "$deb" Depends)
echo "package: $(basename "$deb"), Depends: $depends"
for dep in libtbb-dev zlib1g-dev; do
  [[ "$depends" == *"$dep"* ]] || { echo "package: Depends lacks $dep"; exit 1; }
done
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get install --simulate --no-install-recommends "$deb" >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; exit 1; }
  echo "package: apt-get install --simulate accepts it"
fi
dpkg-deb --extract "$deb" "$work/root"
[ -f "$work/root/usr/include/xgrad/xgrad.hpp" ] || { echo "package: no /usr/include/xgrad/xgrad.hpp in it"; exit 1; }
consumer_checks package "$work/root/usr" "$work" "$src_dir"
