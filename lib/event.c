/*
 * Event loop wrappers over libevent. Each handle owns one struct event; a
 * loop owns the event_base. No global state: a test can make and free loops
 * freely.
 */
#include <event2/event.h>
#include <time.h>
#include "event.h"
#include "util.h"

struct kld_loop {
	struct event_base *base;
};

struct kld_timer {
	struct event *ev;
	kld_timer_fn fn;
	void *arg;
};

struct kld_io {
	struct event *ev;
	kld_io_fn fn;
	void *arg;
};

struct kld_signal {
	struct event *ev;
	kld_signal_fn fn;
	void *arg;
};

struct kld_loop *kld_loop_new(void)
{
	struct kld_loop *l = kld_xcalloc(1, sizeof(*l));

	l->base = event_base_new();
	if (!l->base) {
		free(l);
		return NULL;
	}
	return l;
}

void kld_loop_free(struct kld_loop *l)
{
	if (!l)
		return;
	event_base_free(l->base);
	free(l);
}

int kld_loop_run(struct kld_loop *l)
{
	return event_base_loop(l->base, EVLOOP_NO_EXIT_ON_EMPTY);
}

void kld_loop_stop(struct kld_loop *l)
{
	event_base_loopbreak(l->base);
}

struct event_base *kld_loop_base(struct kld_loop *l)
{
	return l->base;
}

uint64_t kld_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void kld_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct kld_timer *t = arg;

	t->fn(t->arg);
}

struct kld_timer *kld_timer_new(struct kld_loop *l, kld_timer_fn fn, void *arg)
{
	struct kld_timer *t = kld_xcalloc(1, sizeof(*t));

	t->fn = fn;
	t->arg = arg;
	t->ev = evtimer_new(l->base, kld_timer_cb, t);
	return t;
}

void kld_timer_arm(struct kld_timer *t, uint64_t ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	evtimer_add(t->ev, &tv);
}

void kld_timer_cancel(struct kld_timer *t)
{
	if (t)
		evtimer_del(t->ev);
}

bool kld_timer_pending(const struct kld_timer *t)
{
	return evtimer_pending(t->ev, NULL);
}

void kld_timer_free(struct kld_timer *t)
{
	if (!t)
		return;
	event_free(t->ev);
	free(t);
}

static void kld_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct kld_io *io = arg;
	int flags = 0;

	if (what & EV_READ)
		flags |= KLD_IO_READ;
	if (what & EV_WRITE)
		flags |= KLD_IO_WRITE;
	io->fn(fd, flags, io->arg);
}

struct kld_io *kld_io_new(struct kld_loop *l, int fd, int what, kld_io_fn fn, void *arg)
{
	struct kld_io *io = kld_xcalloc(1, sizeof(*io));
	short ev = EV_PERSIST;

	if (what & KLD_IO_READ)
		ev |= EV_READ;
	if (what & KLD_IO_WRITE)
		ev |= EV_WRITE;
	io->fn = fn;
	io->arg = arg;
	io->ev = event_new(l->base, fd, ev, kld_io_cb, io);
	event_add(io->ev, NULL);
	return io;
}

void kld_io_free(struct kld_io *io)
{
	if (!io)
		return;
	event_free(io->ev);
	free(io);
}

static void kld_signal_cb(evutil_socket_t signo, short what, void *arg)
{
	struct kld_signal *s = arg;

	s->fn(signo, s->arg);
}

struct kld_signal *kld_signal_new(struct kld_loop *l, int signo, kld_signal_fn fn, void *arg)
{
	struct kld_signal *s = kld_xcalloc(1, sizeof(*s));

	s->fn = fn;
	s->arg = arg;
	s->ev = evsignal_new(l->base, signo, kld_signal_cb, s);
	evsignal_add(s->ev, NULL);
	return s;
}

void kld_signal_free(struct kld_signal *s)
{
	if (!s)
		return;
	event_free(s->ev);
	free(s);
}
