/* The file of sessions that were up (see bgp_grstate.h). */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "bgp_types.h"
#include "bgp_grstate.h"

/* FRR's json names of the families (as in show bgp neighbors json). */
static const char *const bgp_grstate_af[BGP_AF_MAX] = {"ipv4Unicast", "ipv6Unicast"};

static json_object *bgp_grstate_afs(uint32_t mask)
{
	json_object *a = json_object_new_array();

	for (int af = 0; af < BGP_AF_MAX; af++)
		if (mask & BGP_AF_BIT(af))
			json_object_array_add(a, json_object_new_string(bgp_grstate_af[af]));
	return a;
}

char *bgp_grstate_format(const struct bgp_grstate_peer *p, size_t n)
{
	json_object *top = json_object_new_object(), *arr = json_object_new_array();
	char a[KLD_ADDR_STRLEN], *text;

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(
		    o, "address", json_object_new_string(kld_addr_fmt(&p[i].addr, a, sizeof(a))));
		json_object_object_add(o, "families", bgp_grstate_afs(p[i].af_mask));
		json_object_object_add(o, "endOfRib", bgp_grstate_afs(p[i].eor_mask));
		json_object_array_add(arr, o);
	}
	json_object_object_add(top, "peers", arr);
	text = kld_xstrdup(json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN));
	json_object_put(top);
	return text;
}

/* The families named in an array; names we do not know are skipped. */
static uint32_t bgp_grstate_mask(json_object *arr)
{
	uint32_t mask = 0;

	if (!json_object_is_type(arr, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *name = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(name, json_type_string))
			continue;
		for (int af = 0; af < BGP_AF_MAX; af++)
			if (!strcmp(json_object_get_string(name), bgp_grstate_af[af]))
				mask |= BGP_AF_BIT(af);
	}
	return mask;
}

static bool bgp_grstate_entry(json_object *o, struct bgp_grstate_peer *p)
{
	json_object *addr, *fam, *eor;

	memset(p, 0, sizeof(*p));
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "address", &addr) ||
	    !json_object_is_type(addr, json_type_string) ||
	    kld_addr_parse(json_object_get_string(addr), &p->addr) < 0)
		return false;
	if (json_object_object_get_ex(o, "families", &fam))
		p->af_mask = bgp_grstate_mask(fam);
	if (json_object_object_get_ex(o, "endOfRib", &eor))
		p->eor_mask = bgp_grstate_mask(eor) & p->af_mask;
	return true;
}

static bool bgp_grstate_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

int bgp_grstate_parse(const char *text, size_t len, struct bgp_grstate_peer **out)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *top, *arr;
	size_t n = 0, total;

	*out = NULL;
	if (!tok)
		return -1;
	top = len <= INT32_MAX ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
	/* the whole text is one document, nothing half-written after it */
	if (top && (json_tokener_get_error(tok) != json_tokener_success ||
		    !bgp_grstate_blank(text + json_tokener_get_parse_end(tok),
				       len - json_tokener_get_parse_end(tok)))) {
		json_object_put(top);
		top = NULL;
	}
	json_tokener_free(tok);
	if (!top || !json_object_object_get_ex(top, "peers", &arr) ||
	    !json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) > BGP_GRSTATE_MAX_PEERS) {
		json_object_put(top);
		return -1;
	}
	total = json_object_array_length(arr);
	*out = kld_xcalloc(total ? total : 1, sizeof(**out));
	for (size_t i = 0; i < total; i++)
		if (bgp_grstate_entry(json_object_array_get_idx(arr, i), &(*out)[n]))
			n++;
	json_object_put(top);
	return (int)n;
}
