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
	"$src/bgpd/bgp_evpn_nlri.c" "$src/lib/prefix.c" \
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
	# shellcheck disable=SC2086
	$cc $flags -include "$build/kldconfig.h" -I"$build" -I"$build/proto" \
		-o "$out/fuzz_vtysh_line" "$src/tests/fuzz/fuzz_vtysh_line.c" \
		"$src/vtysh/vtysh_pipe.c" "$src/lib/command.c" "$src/lib/prefix.c" \
		"$src/lib/buf.c" "$src/lib/util.c"
	echo "built $out/fuzz_vtysh_line"
fi
# The metrics endpoint's request parser (lib/httpd.c; libevent for the
# server half, which the fuzzer does not reach).
# shellcheck disable=SC2086
$cc $flags -o "$out/fuzz_httpd_head" "$src/tests/fuzz/fuzz_httpd_head.c" \
	"$src/lib/httpd.c" "$src/lib/event.c" "$src/lib/log.c" "$src/lib/util.c" \
	"$src/lib/prefix.c" -levent
echo "built $out/fuzz_httpd_head"
# zebra-lite's parsers of vxland's links and FDB entries (libmnl).
# shellcheck disable=SC2086
$cc $flags -o "$out/fuzz_nl_vxlink" \
	"$src/tests/fuzz/fuzz_nl_vxlink.c" \
	"$src/zebra-lite/nl_vxlink.c" "$src/zebra-lite/nl_neigh.c" "$src/zebra-lite/nl_attr.c" \
	"$src/zebra-lite/nl.c" "$src/zebra-lite/nl_link.c" "$src/zebra-lite/nl_addr.c" \
	"$src/zebra-lite/nl_route.c" "$src/lib/prefix.c" "$src/lib/util.c" -lmnl
echo "built $out/fuzz_nl_vxlink"

# vxland's configuration blocks: needs the generated protobuf headers of a
# build directory (the vty server's), so only with KLD_BUILDDIR set.
if [ -n "${KLD_BUILDDIR:-}" ] && [ -f "$KLD_BUILDDIR/proto/envelope.pb-c.h" ]; then
	# shellcheck disable=SC2086
	$cc $flags -I"$KLD_BUILDDIR" -DPACKAGE_VERSION=\"fuzz\" -DPACKAGE_STRING=\"kldnet-fuzz\" \
		-o "$out/fuzz_vxland_conf" \
		"$src/tests/fuzz/fuzz_vxland_conf.c" \
		"$src/vxland/vxland_conf.c" "$src/vxland/vxland_vty.c" \
		"$src/lib/config.c" "$src/lib/command.c" "$src/lib/vty.c" "$src/lib/buf.c" \
		"$src/lib/prefix.c" "$src/lib/util.c" "$src/lib/log.c" "$src/lib/event.c" \
		"$src/lib/ipc.c" "$src/lib/frame.c" \
		"$KLD_BUILDDIR"/proto/*.pb-c.c -levent -lprotobuf-c
	echo "built $out/fuzz_vxland_conf"
fi

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
