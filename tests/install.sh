#!/bin/bash
# tests/install.sh: `make install` into temporary prefixes, and every way a
# user builds against what it installed: pkg-config alone (shared and
# static), CMake's find_package, the preload library; a DESTDIR-staged tree
# moved elsewhere still found by both; `make uninstall` leaving nothing.
# Uses what `make` built in build/native (building it if need be).
# Prints one line per check and "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
cc=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix_of_checks=install_
. tests/checks.sh

version=$(sed -n 's/^#define TRI_VERSION "\(.*\)"$/\1/p' core/include/tricolor.h)
major=${version%%.*}
prefix=$work/prefix
expected="tricolor $version: 400 of 1000 objects kept"

# runs PROGRAM [ENV...]: the consumer program prints what it should.
runs() {
    local program=$1; shift
    [ "$(env "$@" "$program")" = "$expected" ]
}

# needs PROGRAM LIBRARY: the program loads LIBRARY (or, with !, does not).
needs() {
    local dynamic
    dynamic=$(readelf -d "$1") || return 1
    if [ "$2" = "!" ]; then
        ! grep -q "NEEDED.*\[$3\]" <<< "$dynamic"
    else
        grep -q "NEEDED.*\[$2\]" <<< "$dynamic"
    fi
}

# every_file_installed PREFIX: what `make install` promises, and nothing else.
every_file_installed() {
    local p=$1
    diff <(cd "$p" && find . \( -type f -o -type l \) | sort) - <<EOF
./bin/tricolor
./include/tricolor.h
./lib/cmake/tricolor/tricolor-config-version.cmake
./lib/cmake/tricolor/tricolor-config.cmake
./lib/libtricolor-preload.so
./lib/libtricolor.a
./lib/libtricolor.so
./lib/libtricolor.so.$major
./lib/libtricolor.so.$version
./lib/pkgconfig/tricolor.pc
EOF
    [ "$(readlink "$p/lib/libtricolor.so")" = "libtricolor.so.$major" ] &&
        [ "$(readlink "$p/lib/libtricolor.so.$major")" = "libtricolor.so.$version" ]
}

check make_install make --no-print-directory install PREFIX="$prefix"
check puts_every_file_in_its_place every_file_installed "$prefix"
check soname_carries_the_major_version \
    bash -c "readelf -d '$prefix/lib/libtricolor.so.$version' | grep -q 'SONAME.*\[libtricolor.so.$major\]'"
check command_prints_the_version bash -c "[ \"\$('$prefix/bin/tricolor' --version)\" = 'tricolor $version' ]"
check command_runs bash -c "'$prefix/bin/tricolor' sizeclasses | grep -q '^//    66      32768'"

# --- pkg-config alone -------------------------------------------------------------
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
check pkg_config_knows_the_version bash -c "[ \"\$(pkg-config --modversion tricolor)\" = '$version' ]"
# shared: found at run time through LD_LIBRARY_PATH, as an unconfigured prefix needs
check pkg_config_shared_builds $cc tests/install/consumer.c $(pkg-config --cflags --libs tricolor) -o "$work/shared"
check pkg_config_shared_links_the_soname needs "$work/shared" "libtricolor.so.$major"
check pkg_config_shared_runs runs "$work/shared" LD_LIBRARY_PATH="$prefix/lib"
# static, the whole program: no dynamic section at all
check pkg_config_static_builds $cc tests/install/consumer.c $(pkg-config --cflags tricolor) -static \
    $(pkg-config --static --libs tricolor) -o "$work/static"
check pkg_config_static_is_static bash -c "readelf -d '$work/static' | grep -q 'no dynamic section'"
check pkg_config_static_runs runs "$work/static"
# static tricolor, shared C library
check pkg_config_static_library_builds $cc tests/install/consumer.c $(pkg-config --cflags tricolor) -Wl,-Bstatic \
    $(pkg-config --static --libs tricolor) -Wl,-Bdynamic -o "$work/static-lib"
check pkg_config_static_library_needs_no_libtricolor needs "$work/static-lib" ! "libtricolor.so.$major"
check pkg_config_static_library_runs runs "$work/static-lib"

# --- CMake --------------------------------------------------------------------------
# cmake_project DIR PREFIX [-DWANTED=...]: configures and builds tests/install.
cmake_project() {
    local dir=$1 at=$2; shift 2
    cmake -S tests/install -B "$dir" -DCMAKE_PREFIX_PATH="$at" -DCMAKE_C_COMPILER="$cc" "$@" &&
        cmake --build "$dir" -j 2
}
check cmake_finds_and_builds cmake_project "$work/cmake" "$prefix" -DWANTED="$major"
check cmake_reports_version_and_preload_library \
    bash -c "[ \"\$(cat '$work/cmake/found.txt')\" = '$version $prefix/lib/libtricolor-preload.so' ]"
check cmake_shared_links_the_soname needs "$work/cmake/consumer-shared" "libtricolor.so.$major"
check cmake_shared_runs runs "$work/cmake/consumer-shared"
check cmake_static_needs_no_libtricolor needs "$work/cmake/consumer-static" ! "libtricolor.so.$major"
check cmake_static_runs runs "$work/cmake/consumer-static"
check cmake_cxx_runs "$work/cmake/consumer-cxx"
refused() { # DIR WANTED: find_package refuses this version for WANTED
    ! cmake_project "$1" "$prefix" -DWANTED="$2" > "$1.log" 2>&1 &&
        grep -q "compatible with requested version" "$1.log"
}
check cmake_refuses_the_next_major refused "$work/cmake-next" "$((major + 1)).0"
check cmake_refuses_a_newer_version refused "$work/cmake-newer" "$version.1"
check cmake_refuses_a_range_without_it refused "$work/cmake-range" "$((major + 1)).0...$((major + 2)).0"

# --- the preload library -------------------------------------------------------------
check preload_program_builds $cc -O1 tests/install/preloaded.c -o "$work/preloaded"
check preload_off_is_glibc bash -c "[ \"\$('$work/preloaded')\" = 'malloc: not tricolor' ]"
check preload_serves_malloc bash -c \
    "[ \"\$(LD_PRELOAD='$prefix/lib/libtricolor-preload.so' '$work/preloaded')\" = 'malloc: tricolor' ]"
seq 20000 | shuf --random-source=<(yes) > "$work/lines"
check preload_runs_sort bash -c \
    "LD_PRELOAD='$prefix/lib/libtricolor-preload.so' sort -n '$work/lines' | cmp - <(seq 20000)"

# --- DESTDIR: staged for /opt/tricolor, then moved -------------------------------------
stage=$work/stage
check make_install_destdir make --no-print-directory install DESTDIR="$stage" PREFIX=/opt/tricolor
check destdir_puts_everything_under_the_prefix every_file_installed "$stage/opt/tricolor"
check destdir_pc_names_the_real_prefix grep -qx 'prefix=/opt/tricolor' "$stage/opt/tricolor/lib/pkgconfig/tricolor.pc"
moved=$work/moved/somewhere/else
mkdir -p "$(dirname "$moved")" && mv "$stage/opt/tricolor" "$moved"
moved_pkg_config() { # pkg-config --define-prefix takes the prefix from where tricolor.pc is now
    $cc tests/install/consumer.c $(PKG_CONFIG_PATH="$moved/lib/pkgconfig" pkg-config --define-prefix --cflags --libs \
        tricolor) -o "$work/moved-pc" && runs "$work/moved-pc" LD_LIBRARY_PATH="$moved/lib"
}
moved_cmake() {
    cmake_project "$work/cmake-moved" "$moved" && runs "$work/cmake-moved/consumer-shared" &&
        runs "$work/cmake-moved/consumer-static"
}
check moved_tree_pkg_config_define_prefix moved_pkg_config
check moved_tree_cmake moved_cmake
rm "$moved/lib/libtricolor.a"
missing() { # find_package fails, naming the missing file
    ! cmake_project "$work/cmake-broken" "$moved" > "$work/broken.log" 2>&1 &&
        grep -q 'libtricolor.a is missing' "$work/broken.log"
}
check cmake_says_what_is_missing missing

# --- make uninstall ---------------------------------------------------------------------
nothing_left() { # PREFIX: no file or link, and no directory of tricolor's own
    [ -z "$(find "$1" \( -type f -o -type l \))" ] && [ ! -e "$1/lib/cmake/tricolor" ]
}
check make_uninstall make --no-print-directory uninstall PREFIX="$prefix"
check uninstall_leaves_nothing nothing_left "$prefix"
mkdir -p "$stage/opt" && mv "$moved" "$stage/opt/tricolor"
check make_uninstall_destdir make --no-print-directory uninstall DESTDIR="$stage" PREFIX=/opt/tricolor
check uninstall_destdir_leaves_nothing nothing_left "$stage/opt/tricolor"
relative_refused() {
    ! make --no-print-directory install PREFIX=relative/dir > "$work/relative.log" 2>&1 &&
        grep -q "PREFIX must be an absolute path, not 'relative/dir'" "$work/relative.log" && [ ! -e relative ]
}
check relative_prefix_is_refused relative_refused

finish
