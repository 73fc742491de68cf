#!/bin/bash
# tests/npm-package.sh [TARBALL]: the npm package as its users get it. The
# packed tarball (make npm-package) is installed into a scratch project,
# offline, and used from there: the module from Node, its types by tsc
# against a typed example and against what the module really exports, a
# browser bundle (esbuild) run in Chromium, and the command line its bin
# runs under Node's WASI. Tools (tsc, esbuild, Playwright) come from the
# repository's node_modules. Prints one line per check and
# "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
root=$PWD
version=$(sed -n 's/^#define TRI_VERSION "\(.*\)"$/\1/p' core/include/tricolor.h)
tarball=$(realpath "${1:-build/npm/tricolor-$version.tgz}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix_of_checks=npm_
. tests/checks.sh

project=$work/project
mkdir -p "$project"
cp tests/npm/use.mjs tests/npm/surface.mjs tests/npm/example.ts tests/npm/tsconfig.json tests/npm/app.mjs "$project"/
cat > "$project/package.json" <<'EOF'
{ "name": "scratch", "private": true, "type": "module" }
EOF

packed_files() {
    diff <(tar tzf "$tarball" | sort) - <<'EOF'
package/CHANGELOG.md
package/LICENSE
package/README.md
package/package.json
package/tricolor-core.mjs
package/tricolor-core.wasm
package/tricolor-layout.mjs
package/tricolor.d.ts
package/tricolor.mjs
package/wasi/run-wasi.mjs
package/wasi/tricolor.mjs
package/wasi/tricolor.wasm
EOF
}
check tarball_holds_the_package_files packed_files
check installs_into_a_project bash -c "cd '$project' && npm install --offline --no-audit --no-fund --loglevel=error '$tarball'"
installed=$project/node_modules/tricolor
check version_is_the_headers bash -c "[ \"\$(node -p 'require(\"$installed/package.json\").version')\" = '$version' ]"

# --- Node ---------------------------------------------------------------------------
check node_uses_the_module bash -c "cd '$project' && node use.mjs"

# --- TypeScript ------------------------------------------------------------------------
check declarations_cover_the_module bash -c "cd '$project' && node surface.mjs > surface.ts"
check tsc_checks_the_typed_example bash -c "cd '$project' && '$root/node_modules/.bin/tsc' -p tsconfig.json"

# --- a browser bundle ----------------------------------------------------------------------
bundle() {
    mkdir -p "$project/site" &&
        (cd "$project" && "$root/node_modules/.bin/esbuild" app.mjs --bundle --format=esm --platform=browser \
            --target=es2022 --outfile=site/app.js --log-level=warning) &&
        cp tests/npm/index.html "$installed/tricolor-core.wasm" "$project/site/"
}
# in_chromium HOW EXPECTED: the bundled app ends with the title EXPECTED
in_chromium() {
    local title
    title=$(node tests/npm/browser.mjs "$project/site" "$1" | head -1)
    echo "$title"
    [[ "$title" == $2 ]]
}
bundles_cleanly() { # and says nothing: a warning is a bundler not understanding the package
    bundle > "$work/bundle.log" 2>&1
    local rc=$?
    cat "$work/bundle.log"
    [ "$rc" -eq 0 ] && [ ! -s "$work/bundle.log" ]
}
check bundles_for_browsers_without_a_warning bundles_cleanly
check browser_finds_the_wasm_beside_the_bundle in_chromium beside 'done: usable 112, kept 2 of 3'
check browser_takes_wasm_binary in_chromium bytes 'done: usable 112, kept 2 of 3'
check browser_without_the_wasm_fails in_chromium missing 'failed: *'

# --- the command line, the package's bin ------------------------------------------------------
bin=$project/node_modules/.bin/tricolor
check bin_prints_the_version bash -c "[ \"\$('$bin' --version)\" = 'tricolor $version' ]"
if [ -x build/native/tricolor ]; then
    check bin_prints_what_the_native_command_does bash -c "cmp <('$bin' sizeclasses) <(build/native/tricolor sizeclasses)"
else
    skip bin_prints_what_the_native_command_does "build/native/tricolor is not built"
fi
check bin_runs_the_collector bash -c "'$bin' bench binarytrees -d 10 | grep -q 'check 135854'"
check bin_reads_and_writes_files bash -c "cd '$work' && '$bin' trace binarytrees -d 8 --out t.trace > /dev/null &&
    '$bin' trace-info t.trace | grep -q \"tricolor trace version .* of 'binarytrees', 32-bit addresses\""
bad_command() {
    "$bin" frobnicate > "$work/bad.out" 2> "$work/bad.err"
    local rc=$?
    [ "$rc" -eq 2 ] && grep -q '^usage: tricolor' "$work/bad.err" && [ ! -s "$work/bad.out" ]
}
check bin_refuses_a_bad_command bad_command

finish
