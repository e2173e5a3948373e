#!/bin/sh
# Build the libFuzzer targets straight from the source tree (not through
# automake: the fuzzers need clang's -fsanitize=fuzzer, the regular build
# does not). The BGP core needs no generated headers, so no build
# directory is required.
#
#   tests/fuzz/build.sh [OUTDIR]        (default: tests/fuzz, git-ignored)
#   OUTDIR/fuzz_bgp_packet -max_total_time=60 tests/fuzz/corpus/bgp
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
	"$src/bgpd/bgp_attr.c" "$src/bgpd/bgp_packet.c" "$src/bgpd/bgp_fsm.c" \
	"$src/lib/util.c"
echo "built $out/fuzz_bgp_packet"

# The firewall's parsers need the generated protobuf code and libkld.a of a
# build directory (KLD_BUILDDIR, as tools/build makes it).
bld=${KLD_BUILDDIR:-}
if [ -n "$bld" ] && [ -f "$bld/lib/libkld.a" ] && [ -f "$bld/proto/fw.pb-c.c" ]; then
	pflags="-I$bld -I$bld/proto -include $bld/kldconfig.h"
	libs="$bld/lib/libkld.a $bld/proto/libkldproto.a $(pkg-config --libs libprotobuf-c libevent json-c libsystemd)"
	# shellcheck disable=SC2086
	$cc $flags $pflags -o "$out/fuzz_fw_ruleset" "$src/tests/fuzz/fuzz_fw_ruleset.c" \
		"$src/zebra-lite/fw_set.c" $libs
	echo "built $out/fuzz_fw_ruleset"
	# shellcheck disable=SC2086
	$cc $flags $pflags -o "$out/fuzz_fw_config" "$src/tests/fuzz/fuzz_fw_config.c" \
		"$src/fwd/fwd_conf.c" "$src/fwd/fwd_vty.c" "$src/zebra-lite/fw_set.c" $libs
	echo "built $out/fuzz_fw_config"
fi
