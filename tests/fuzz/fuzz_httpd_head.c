/*
 * libFuzzer target for the metrics endpoint's request-head parser
 * (lib/httpd.c: kld_httpd_parse), the one parser of network input in wgd.
 *
 *     tests/fuzz/build.sh /tmp/fuzz
 *     /tmp/fuzz/fuzz_httpd_head -max_total_time=60 tests/fuzz/corpus/httpd
 *
 * The input is the head as read from the socket (cut at the size limit and
 * NUL-terminated, as the server does). Besides "no crash", it checks that
 * only GET or HEAD of the path without a body is ever served, and that a
 * HEAD is always answered without a body.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/httpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char head[KLD_HTTPD_MAX_HEAD];
	size_t n = size < sizeof(head) - 1 ? size : sizeof(head) - 1;
	bool head_only = false;
	int code;

	memcpy(head, data, n);
	head[n] = '\0';
	code = kld_httpd_parse(head, "/metrics", &head_only);
	CHECK(code == 200 || code == 400 || code == 404 || code == 405 || code == 413);
	if (code == 200) {
		CHECK(!strncmp(head, "GET /metrics", 12) || !strncmp(head, "HEAD /metrics", 13));
		CHECK(head_only == !strncmp(head, "HEAD ", 5));
	}
	if (code == 405)
		CHECK(strncmp(head, "GET ", 4) && strncmp(head, "HEAD ", 5));
	return 0;
}
