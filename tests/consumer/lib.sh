# shellcheck shell=bash
# Shared by run.sh and package.sh: builds and runs the consumer project against the xgrad installed
# under PREFIX, with find_package and with pkg-config, for the kind of library installed there.
# A shared install (libxgrad.so.<major> -> libxgrad.so.<version>, and libxgrad.a of the same
# objects) is checked with both libraries; a static install with libxgrad.a.
# Usage: consumer_checks NAME PREFIX WORK SRC_DIR
consumer_checks() {
  local name=$1 prefix=$2 work=$3 src_dir=$4
  local libdir
  libdir=$(find "$prefix" -name xgrad.pc -printf '%h\n' | head -n1)
  libdir=$(cd "$libdir/.." && pwd)
  [ -f "$libdir/libxgrad.a" ] || { echo "$name: no libxgrad.a in $libdir"; return 1; }
  local shared=0
  if [ -e "$libdir/libxgrad.so" ]; then
    shared=1
    local major version
    major=$(sed -n 's/^#define XGRAD_VERSION_MAJOR \([0-9]*\).*/\1/p' "$src_dir/../../include/xgrad/version.hpp")
    version=$(sed -n 's/^#define XGRAD_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' "$src_dir/../../include/xgrad/version.hpp" | paste -sd.)
    if [ "$(readlink "$libdir/libxgrad.so")" != "libxgrad.so.$major" ] ||
       [ "$(readlink "$libdir/libxgrad.so.$major")" != "libxgrad.so.$version" ] || [ ! -f "$libdir/libxgrad.so.$version" ]; then
      echo "$name: expected libxgrad.so -> libxgrad.so.$major -> libxgrad.so.$version in $libdir:"; ls -l "$libdir"; return 1
    fi
    echo "$name: shared install, libxgrad.so -> libxgrad.so.$major -> libxgrad.so.$version, and libxgrad.a"
  else
    echo "$name: static install, libxgrad.a"
  fi
  # find_package: xgrad::xgrad (the installed kind) and xgrad::xgrad_static (the archive of a shared
  # install; in a static install another name for xgrad::xgrad).
  local target dir needed
  for target in xgrad::xgrad xgrad::xgrad_static; do
    dir="$work/build-${target#xgrad::}"
    cmake -S "$src_dir" -B "$dir" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
          -DXGRAD_CONSUMER_TARGET="$target" >/dev/null
    cmake --build "$dir" >/dev/null
    needed=$(readelf -d "$dir/consumer" | grep NEEDED || true)
    if [ $shared = 1 ] && [ "$target" = xgrad::xgrad ]; then
      grep -q "\[libxgrad\.so\.$major\]" <<<"$needed" ||
        { echo "$name: the consumer of xgrad::xgrad does not load libxgrad.so.$major"; return 1; }
    elif grep -q "\[libxgrad" <<<"$needed"; then
      echo "$name: the consumer of $target loads a shared libxgrad"; return 1
    fi
    echo "$name: find_package, $target:"
    "$dir/consumer"
  done
  # pkg-config: `--libs` for the shared library (its dependencies are its own), `--libs --static`
  # for the static one (the archive's private dependencies are listed in Libs.private).
  export PKG_CONFIG_PATH="$libdir/pkgconfig"
  if [ $shared = 1 ]; then
    # shellcheck disable=SC2046
    c++ "$src_dir/main.cpp" -o "$work/consumer-pkgconfig" $(pkg-config --cflags xgrad) $(pkg-config --libs xgrad) \
        -Wl,-rpath,"$libdir"
  else
    # shellcheck disable=SC2046
    c++ "$src_dir/main.cpp" -o "$work/consumer-pkgconfig" $(pkg-config --cflags xgrad) $(pkg-config --libs --static xgrad)
  fi
  echo "$name: pkg-config:"
  "$work/consumer-pkgconfig"
}
