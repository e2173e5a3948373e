#!/bin/sh
# Build the libFuzzer targets straight from the source tree (not through
# automake: the fuzzers need clang's -fsanitize=fuzzer, the regular build
# does not). The BGP core needs no generated headers, so no build
# directory is required.
#
#   tests/fuzz/build.sh [OUTDIR]        (default: tests/fuzz, git-ignored)
#   OUTDIR/fuzz_bgp_packet -max_total_time=60 tests/fuzz/corpus/bgp
#   OUTDIR/fuzz_bgp_grstate -max_total_time=60 tests/fuzz/corpus/grstate
#   OUTDIR/fuzz_httpd_head -max_total_time=60 tests/fuzz/corpus/httpd
#
# The configuration layout target needs the generated headers of a build
# directory (KLD_BUILDDIR, default ./build); without one it is skipped.
#
# CC and EXTRA_CFLAGS may be overridden, e.g. EXTRA_CFLAGS=-fsanitize=memory.
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$src/tests/fuzz}
cc=${CC:-clang}
mkdir -p "$out"

flags="-std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I$src -I$src/lib ${EXTRA_CFLAGS:-}"

# shellcheck disable=SC2086
$cc $flags -o "$out/fuzz_bgp_packet" \
	"$src/tests/fuzz/fuzz_bgp_packet.c" \
	"$src/bgpd/bgp_types.c" "$src/bgpd/bgp_attr.c" "$src/bgpd/bgp_packet.c" \
	"$src/bgpd/bgp_fsm.c" "$src/lib/util.c"
echo "built $out/fuzz_bgp_packet"

# bgpd's state file of the sessions that were up (read after a restart)
# shellcheck disable=SC2086
$cc $flags -o "$out/fuzz_bgp_grstate" \
	"$src/tests/fuzz/fuzz_bgp_grstate.c" "$src/bgpd/bgp_grstate.c" \
	"$src/lib/prefix.c" "$src/lib/util.c" -ljson-c
echo "built $out/fuzz_bgp_grstate"

build=${KLD_BUILDDIR:-$src/build}
if [ -f "$build/kldconfig.h" ] && [ -f "$build/proto/vty.pb-c.h" ]; then
	# shellcheck disable=SC2086
	$cc $flags -include "$build/kldconfig.h" -I"$build" -I"$build/proto" \
		-o "$out/fuzz_config_layout" "$src/tests/fuzz/fuzz_config_layout.c" \
		"$src/vtysh/vtysh_merge.c" "$src/lib/config.c" "$src/lib/command.c" \
		"$src/lib/prefix.c" "$src/lib/buf.c" "$src/lib/util.c"
	echo "built $out/fuzz_config_layout"
fi
# The metrics endpoint's request parser (lib/httpd.c; libevent for the
# server half, which the fuzzer does not reach).
# shellcheck disable=SC2086
$cc $flags -o "$out/fuzz_httpd_head" "$src/tests/fuzz/fuzz_httpd_head.c" \
	"$src/lib/httpd.c" "$src/lib/event.c" "$src/lib/log.c" "$src/lib/util.c" \
	"$src/lib/prefix.c" -levent
echo "built $out/fuzz_httpd_head"
