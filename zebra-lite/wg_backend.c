/*
 * Choosing the WireGuard back end.
 *
 * AUTO asks the kernel for the "wireguard" generic netlink family (which
 * also makes the kernel try to load the module). Without it every
 * interface is served by a userspace implementation over the UAPI socket.
 * With it, new interfaces are kernel links, but an interface that already
 * has a UAPI socket (started by hand, by an earlier configuration, or by a
 * user-named implementation such as boringtun) keeps being driven through
 * that socket: like wireguard-tools' ipc.c, each call goes to whichever
 * back end actually serves the name, so mixing both never misroutes.
 * GENL and UAPI force one back end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "wg_genl.h"
#include "wg_uapi.h"

struct wg_dispatch {
	struct wg_backend be;
	struct wg_backend *kernel;
	struct wg_backend *user;
};

static struct wg_dispatch *to_dispatch(struct wg_backend *be)
{
	return KLD_CONTAINER_OF(be, struct wg_dispatch, be);
}

static struct wg_backend *route(struct wg_backend *be, const char *ifname)
{
	struct wg_dispatch *d = to_dispatch(be);

	return d->user->ops->has_interface(d->user, ifname) ? d->user : d->kernel;
}

static int dispatch_get(struct wg_backend *be, const char *ifname, struct wg_device **out)
{
	struct wg_backend *to = route(be, ifname);

	return to->ops->get_device(to, ifname, out);
}

static int dispatch_set(struct wg_backend *be, const struct wg_device *dev)
{
	struct wg_backend *to = route(be, dev->name);

	return to->ops->set_device(to, dev);
}

static int dispatch_add(struct wg_backend *be, const char *ifname)
{
	struct wg_dispatch *d = to_dispatch(be);

	if (d->user->ops->has_interface(d->user, ifname))
		return -EEXIST;
	return d->kernel->ops->add_interface(d->kernel, ifname);
}

static int dispatch_del(struct wg_backend *be, const char *ifname)
{
	struct wg_backend *to = route(be, ifname);

	return to->ops->del_interface(to, ifname);
}

static bool dispatch_has(struct wg_backend *be, const char *ifname)
{
	struct wg_dispatch *d = to_dispatch(be);

	return d->user->ops->has_interface(d->user, ifname) ||
	       d->kernel->ops->has_interface(d->kernel, ifname);
}

static int dispatch_list(struct wg_backend *be, struct wg_ifnames *out)
{
	struct wg_dispatch *d = to_dispatch(be);
	struct wg_ifnames user;
	size_t i;
	int ret;

	ret = d->kernel->ops->list_interfaces(d->kernel, out);
	if (ret < 0)
		return ret;
	ret = d->user->ops->list_interfaces(d->user, &user);
	if (ret < 0) {
		wg_ifnames_free(out);
		return ret;
	}
	for (i = 0; i < user.n; i++)
		wg_ifnames_add(out, user.names[i]);
	wg_ifnames_free(&user);
	return 0;
}

static void dispatch_destroy(struct wg_backend *be)
{
	struct wg_dispatch *d = to_dispatch(be);

	wg_backend_free(d->kernel);
	wg_backend_free(d->user);
	free(d);
}

static const struct wg_backend_ops dispatch_ops = {
    .kind = "genl+uapi",
    .get_device = dispatch_get,
    .set_device = dispatch_set,
    .add_interface = dispatch_add,
    .del_interface = dispatch_del,
    .list_interfaces = dispatch_list,
    .has_interface = dispatch_has,
    .destroy = dispatch_destroy,
};

static int open_uapi(const struct wg_backend_config *cfg, struct wg_backend **out)
{
	struct wg_uapi_config uc = {
	    .sockdir = cfg->uapi_sockdir,
	    .binary = cfg->uapi_binary,
	    .timeout_ms = cfg->timeout_ms,
	};

	return wg_uapi_new(&uc, out);
}

static int open_auto(const struct wg_backend_config *cfg, struct wg_backend **out)
{
	struct wg_backend *kernel, *user;
	struct wg_dispatch *d;
	int ret;

	ret = open_uapi(cfg, &user);
	if (ret < 0)
		return ret;
	/* Any failure (no module, netlink filtered by a sandbox) leaves the
	 * userspace path, which works everywhere a tun device does. */
	if (wg_genl_new(&kernel) < 0) {
		*out = user;
		return 0;
	}
	d = kld_xcalloc(1, sizeof(*d));
	d->be.ops = &dispatch_ops;
	d->kernel = kernel;
	d->user = user;
	*out = &d->be;
	return 0;
}

int wg_backend_open(const struct wg_backend_config *cfg, struct wg_backend **out)
{
	static const struct wg_backend_config defaults = {.kind = WG_BACKEND_AUTO};
	int ret;

	*out = NULL;
	if (!cfg)
		cfg = &defaults;
	switch (cfg->kind) {
	case WG_BACKEND_AUTO:
		return open_auto(cfg, out);
	case WG_BACKEND_UAPI:
		return open_uapi(cfg, out);
	case WG_BACKEND_GENL:
		ret = wg_genl_new(out);
		return ret == -ENOENT ? -EPROTONOSUPPORT : ret;
	}
	return -EINVAL;
}

const char *wg_backend_kind_name(const struct wg_backend *be)
{
	return be ? be->ops->kind : "none";
}

int wg_backend_get_device(struct wg_backend *be, const char *ifname, struct wg_device **out)
{
	*out = NULL;
	if (!wg_ifname_valid(ifname))
		return -EINVAL;
	return be->ops->get_device(be, ifname, out);
}

int wg_backend_set_device(struct wg_backend *be, const struct wg_device *dev)
{
	if (!dev || !wg_ifname_valid(dev->name))
		return -EINVAL;
	return be->ops->set_device(be, dev);
}

int wg_backend_add_interface(struct wg_backend *be, const char *ifname)
{
	if (!wg_ifname_valid(ifname))
		return -EINVAL;
	return be->ops->add_interface(be, ifname);
}

int wg_backend_del_interface(struct wg_backend *be, const char *ifname)
{
	if (!wg_ifname_valid(ifname))
		return -EINVAL;
	return be->ops->del_interface(be, ifname);
}

int wg_backend_list_interfaces(struct wg_backend *be, struct wg_ifnames *out)
{
	memset(out, 0, sizeof(*out));
	return be->ops->list_interfaces(be, out);
}

void wg_backend_free(struct wg_backend *be)
{
	if (be)
		be->ops->destroy(be);
}
