/*
 * The event loop: a thin layer over libevent so that daemons share one way
 * of doing fd events, timers and signals, and so that nothing but this file
 * and ipc.c needs libevent's headers.
 */
#ifndef KLD_EVENT_H
#define KLD_EVENT_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct kld_loop;
struct kld_timer;
struct kld_io;
struct kld_signal;

struct kld_loop *kld_loop_new(void);
void kld_loop_free(struct kld_loop *l);
int kld_loop_run(struct kld_loop *l);  /* until kld_loop_stop() */
void kld_loop_stop(struct kld_loop *l);
struct event_base *kld_loop_base(struct kld_loop *l);
/* Monotonic milliseconds. */
uint64_t kld_now_ms(void);

typedef void (*kld_timer_fn)(void *arg);
struct kld_timer *kld_timer_new(struct kld_loop *l, kld_timer_fn fn, void *arg);
void kld_timer_arm(struct kld_timer *t, uint64_t ms); /* re-arming replaces */
void kld_timer_cancel(struct kld_timer *t);
bool kld_timer_pending(const struct kld_timer *t);
void kld_timer_free(struct kld_timer *t);

enum { KLD_IO_READ = 1, KLD_IO_WRITE = 2 };
typedef void (*kld_io_fn)(int fd, int what, void *arg);
/* Persistent until freed. */
struct kld_io *kld_io_new(struct kld_loop *l, int fd, int what, kld_io_fn fn, void *arg);
void kld_io_free(struct kld_io *io);

typedef void (*kld_signal_fn)(int signo, void *arg);
struct kld_signal *kld_signal_new(struct kld_loop *l, int signo, kld_signal_fn fn, void *arg);
void kld_signal_free(struct kld_signal *s);

#endif
