/*
 * The FSM table against RFC 4271 section 8.2.2, state by state: the
 * transitions each paragraph names, then the "any other event" lists,
 * then properties that must hold for every cell.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bgpd/bgp_types.h"
#include "bgpd/bgp_fsm.h"

static void expect(enum bgp_fsm_state s, enum bgp_fsm_event e, enum bgp_fsm_state next,
		   enum bgp_fsm_action act)
{
	struct bgp_fsm_entry t = bgp_fsm_step(s, e);

	if (t.next != next || t.action != act)
		fail_msg("%s + %s: got %s/%s, want %s/%s", bgp_fsm_state_str(s),
			 bgp_fsm_event_str(e), bgp_fsm_state_str(t.next),
			 bgp_fsm_action_str(t.action), bgp_fsm_state_str(next),
			 bgp_fsm_action_str(act));
}

static void expect_notify(enum bgp_fsm_state s, enum bgp_fsm_event e, enum bgp_fsm_action act,
			  uint8_t code, uint8_t subcode)
{
	struct bgp_fsm_entry t = bgp_fsm_step(s, e);

	expect(s, e, BGP_FSM_IDLE, act);
	assert_int_equal(t.notify_code, code);
	assert_int_equal(t.notify_subcode, subcode);
}

static const enum bgp_fsm_event start_events[] = {
    BGP_EV_MANUAL_START,	 BGP_EV_AUTOMATIC_START,
    BGP_EV_MANUAL_START_PASSIVE, BGP_EV_AUTOMATIC_START_PASSIVE,
    BGP_EV_AUTOMATIC_START_DAMP, BGP_EV_AUTOMATIC_START_DAMP_PASSIVE,
};

/* Start events are ignored everywhere but Idle. */
static void starts_ignored(enum bgp_fsm_state s)
{
	size_t i;

	for (i = 0; i < sizeof(start_events) / sizeof(start_events[0]); i++)
		expect(s, start_events[i], s, BGP_FSM_ACT_NONE);
}

static void test_idle(void **state)
{
	int e;

	expect(BGP_FSM_IDLE, BGP_EV_MANUAL_START, BGP_FSM_CONNECT, BGP_FSM_ACT_START);
	expect(BGP_FSM_IDLE, BGP_EV_AUTOMATIC_START, BGP_FSM_CONNECT, BGP_FSM_ACT_START);
	expect(BGP_FSM_IDLE, BGP_EV_MANUAL_START_PASSIVE, BGP_FSM_ACTIVE,
	       BGP_FSM_ACT_START_PASSIVE);
	expect(BGP_FSM_IDLE, BGP_EV_AUTOMATIC_START_PASSIVE, BGP_FSM_ACTIVE,
	       BGP_FSM_ACT_START_PASSIVE);
	/* ManualStop and AutomaticStop are ignored in Idle. */
	expect(BGP_FSM_IDLE, BGP_EV_MANUAL_STOP, BGP_FSM_IDLE, BGP_FSM_ACT_NONE);
	expect(BGP_FSM_IDLE, BGP_EV_AUTOMATIC_STOP, BGP_FSM_IDLE, BGP_FSM_ACT_NONE);
	/* "Any other event (Events 9-12, 15-28)": no change. */
	for (e = BGP_EV_CONNECT_RETRY_EXPIRES; e < BGP_FSM_EVENT_MAX; e++)
		expect(BGP_FSM_IDLE, e, BGP_FSM_IDLE, BGP_FSM_ACT_NONE);
}

static const enum bgp_fsm_event connect_other[] = {
    BGP_EV_AUTOMATIC_STOP,
    BGP_EV_HOLD_EXPIRES,
    BGP_EV_KEEPALIVE_EXPIRES,
    BGP_EV_IDLE_HOLD_EXPIRES,
    BGP_EV_BGP_OPEN,
    BGP_EV_OPEN_COLLISION_DUMP,
    BGP_EV_NOTIF,
    BGP_EV_KEEPALIVE_MSG,
    BGP_EV_UPDATE_MSG,
    BGP_EV_UPDATE_ERR,
    /* DelayOpen is FALSE: these cannot happen and count as "other". */
    BGP_EV_DELAY_OPEN_EXPIRES,
    BGP_EV_BGP_OPEN_DELAYED,
};

static void test_connect(void **state)
{
	size_t i;

	starts_ignored(BGP_FSM_CONNECT);
	expect(BGP_FSM_CONNECT, BGP_EV_MANUAL_STOP, BGP_FSM_IDLE, BGP_FSM_ACT_STOP);
	expect(BGP_FSM_CONNECT, BGP_EV_CONNECT_RETRY_EXPIRES, BGP_FSM_CONNECT,
	       BGP_FSM_ACT_RECONNECT);
	expect(BGP_FSM_CONNECT, BGP_EV_TCP_CONN_VALID, BGP_FSM_CONNECT, BGP_FSM_ACT_NONE);
	expect(BGP_FSM_CONNECT, BGP_EV_TCP_CR_INVALID, BGP_FSM_CONNECT, BGP_FSM_ACT_NONE);
	expect(BGP_FSM_CONNECT, BGP_EV_TCP_CR_ACKED, BGP_FSM_OPENSENT, BGP_FSM_ACT_SEND_OPEN);
	expect(BGP_FSM_CONNECT, BGP_EV_TCP_CONN_CONFIRMED, BGP_FSM_OPENSENT, BGP_FSM_ACT_SEND_OPEN);
	/* DelayOpenTimer not running: Idle, counter not incremented. */
	expect(BGP_FSM_CONNECT, BGP_EV_TCP_CONN_FAILS, BGP_FSM_IDLE, BGP_FSM_ACT_DROP);
	/* Header/OPEN errors before our OPEN: no NOTIFICATION
	 * (SendNOTIFICATIONwithoutOPEN is FALSE), counter incremented. */
	expect(BGP_FSM_CONNECT, BGP_EV_HEADER_ERR, BGP_FSM_IDLE, BGP_FSM_ACT_DROP_COUNT);
	expect(BGP_FSM_CONNECT, BGP_EV_OPEN_ERR, BGP_FSM_IDLE, BGP_FSM_ACT_DROP_COUNT);
	expect(BGP_FSM_CONNECT, BGP_EV_NOTIF_VERSION_ERR, BGP_FSM_IDLE, BGP_FSM_ACT_DROP_COUNT);
	for (i = 0; i < sizeof(connect_other) / sizeof(connect_other[0]); i++)
		expect(BGP_FSM_CONNECT, connect_other[i], BGP_FSM_IDLE, BGP_FSM_ACT_DROP_COUNT);
}

static void test_active(void **state)
{
	size_t i;

	starts_ignored(BGP_FSM_ACTIVE);
	expect(BGP_FSM_ACTIVE, BGP_EV_MANUAL_STOP, BGP_FSM_IDLE, BGP_FSM_ACT_STOP);
	expect(BGP_FSM_ACTIVE, BGP_EV_CONNECT_RETRY_EXPIRES, BGP_FSM_CONNECT, BGP_FSM_ACT_CONNECT);
	expect(BGP_FSM_ACTIVE, BGP_EV_TCP_CONN_VALID, BGP_FSM_ACTIVE, BGP_FSM_ACT_NONE);
	expect(BGP_FSM_ACTIVE, BGP_EV_TCP_CR_INVALID, BGP_FSM_ACTIVE, BGP_FSM_ACT_NONE);
	expect(BGP_FSM_ACTIVE, BGP_EV_TCP_CR_ACKED, BGP_FSM_OPENSENT, BGP_FSM_ACT_SEND_OPEN);
	expect(BGP_FSM_ACTIVE, BGP_EV_TCP_CONN_CONFIRMED, BGP_FSM_OPENSENT, BGP_FSM_ACT_SEND_OPEN);
	/* Active increments the counter on TcpConnectionFails. */
	expect(BGP_FSM_ACTIVE, BGP_EV_TCP_CONN_FAILS, BGP_FSM_IDLE, BGP_FSM_ACT_DROP_COUNT);
	expect(BGP_FSM_ACTIVE, BGP_EV_HEADER_ERR, BGP_FSM_IDLE, BGP_FSM_ACT_DROP_COUNT);
	expect(BGP_FSM_ACTIVE, BGP_EV_OPEN_ERR, BGP_FSM_IDLE, BGP_FSM_ACT_DROP_COUNT);
	expect(BGP_FSM_ACTIVE, BGP_EV_NOTIF_VERSION_ERR, BGP_FSM_IDLE, BGP_FSM_ACT_DROP_COUNT);
	for (i = 0; i < sizeof(connect_other) / sizeof(connect_other[0]); i++)
		expect(BGP_FSM_ACTIVE, connect_other[i], BGP_FSM_IDLE, BGP_FSM_ACT_DROP_COUNT);
}

/* Stops, hold timer and collisions are alike in the three later states. */
static void after_open_common(enum bgp_fsm_state s)
{
	starts_ignored(s);
	expect_notify(s, BGP_EV_MANUAL_STOP, BGP_FSM_ACT_STOP_NOTIFY, BGP_ERR_CEASE,
		      BGP_CEASE_ADMIN_SHUTDOWN);
	expect_notify(s, BGP_EV_AUTOMATIC_STOP, BGP_FSM_ACT_NOTIFY_DROP, BGP_ERR_CEASE,
		      BGP_CEASE_UNSPECIFIC);
	expect_notify(s, BGP_EV_HOLD_EXPIRES, BGP_FSM_ACT_NOTIFY_DROP, BGP_ERR_HOLD_EXPIRED, 0);
	expect_notify(s, BGP_EV_OPEN_COLLISION_DUMP, BGP_FSM_ACT_NOTIFY_DROP, BGP_ERR_CEASE,
		      BGP_CEASE_COLLISION);
	expect(s, BGP_EV_TCP_CONN_VALID, s, BGP_FSM_ACT_NONE);
	expect(s, BGP_EV_TCP_CR_INVALID, s, BGP_FSM_ACT_NONE);
	expect(s, BGP_EV_TCP_CR_ACKED, s, BGP_FSM_ACT_NONE);
	expect(s, BGP_EV_TCP_CONN_CONFIRMED, s, BGP_FSM_ACT_NONE);
	expect(s, BGP_EV_HEADER_ERR, BGP_FSM_IDLE, BGP_FSM_ACT_ERROR_DROP);
}

static void fsm_errors(enum bgp_fsm_state s, const enum bgp_fsm_event *ev, size_t n, uint8_t sub)
{
	size_t i;

	for (i = 0; i < n; i++)
		expect_notify(s, ev[i], BGP_FSM_ACT_NOTIFY_DROP, BGP_ERR_FSM, sub);
}

static void test_opensent(void **state)
{
	/* "Any other event (Events 9, 11-13, 20, 25-28)" */
	static const enum bgp_fsm_event other[] = {
	    BGP_EV_CONNECT_RETRY_EXPIRES, BGP_EV_KEEPALIVE_EXPIRES, BGP_EV_DELAY_OPEN_EXPIRES,
	    BGP_EV_IDLE_HOLD_EXPIRES,	  BGP_EV_BGP_OPEN_DELAYED,  BGP_EV_NOTIF,
	    BGP_EV_KEEPALIVE_MSG,	  BGP_EV_UPDATE_MSG,	    BGP_EV_UPDATE_ERR,
	};

	after_open_common(BGP_FSM_OPENSENT);
	expect(BGP_FSM_OPENSENT, BGP_EV_TCP_CONN_FAILS, BGP_FSM_ACTIVE,
	       BGP_FSM_ACT_TCP_FAIL_OPENSENT);
	expect(BGP_FSM_OPENSENT, BGP_EV_BGP_OPEN, BGP_FSM_OPENCONFIRM, BGP_FSM_ACT_ACCEPT_OPEN);
	expect(BGP_FSM_OPENSENT, BGP_EV_OPEN_ERR, BGP_FSM_IDLE, BGP_FSM_ACT_ERROR_DROP);
	expect(BGP_FSM_OPENSENT, BGP_EV_NOTIF_VERSION_ERR, BGP_FSM_IDLE, BGP_FSM_ACT_DROP);
	fsm_errors(BGP_FSM_OPENSENT, other, sizeof(other) / sizeof(other[0]), BGP_FSMERR_OPENSENT);
}

static void test_openconfirm(void **state)
{
	/* "Any other event (Events 9, 12-13, 20, 27-28)" */
	static const enum bgp_fsm_event other[] = {
	    BGP_EV_CONNECT_RETRY_EXPIRES, BGP_EV_DELAY_OPEN_EXPIRES, BGP_EV_IDLE_HOLD_EXPIRES,
	    BGP_EV_BGP_OPEN_DELAYED,	  BGP_EV_UPDATE_MSG,	     BGP_EV_UPDATE_ERR,
	};

	after_open_common(BGP_FSM_OPENCONFIRM);
	expect(BGP_FSM_OPENCONFIRM, BGP_EV_KEEPALIVE_EXPIRES, BGP_FSM_OPENCONFIRM,
	       BGP_FSM_ACT_SEND_KEEPALIVE);
	expect(BGP_FSM_OPENCONFIRM, BGP_EV_TCP_CONN_FAILS, BGP_FSM_IDLE, BGP_FSM_ACT_DROP_COUNT);
	expect(BGP_FSM_OPENCONFIRM, BGP_EV_NOTIF, BGP_FSM_IDLE, BGP_FSM_ACT_DROP_COUNT);
	expect(BGP_FSM_OPENCONFIRM, BGP_EV_NOTIF_VERSION_ERR, BGP_FSM_IDLE, BGP_FSM_ACT_DROP);
	expect(BGP_FSM_OPENCONFIRM, BGP_EV_BGP_OPEN, BGP_FSM_OPENCONFIRM,
	       BGP_FSM_ACT_COLLISION_CHECK);
	expect(BGP_FSM_OPENCONFIRM, BGP_EV_OPEN_ERR, BGP_FSM_IDLE, BGP_FSM_ACT_ERROR_DROP);
	expect(BGP_FSM_OPENCONFIRM, BGP_EV_KEEPALIVE_MSG, BGP_FSM_ESTABLISHED,
	       BGP_FSM_ACT_ESTABLISH);
	fsm_errors(BGP_FSM_OPENCONFIRM, other, sizeof(other) / sizeof(other[0]),
		   BGP_FSMERR_OPENCONFIRM);
}

static void test_established(void **state)
{
	/* "Any other event (Events 9, 12-13, 20-22)", 21 excepted (see
	 * bgp_fsm.c). */
	static const enum bgp_fsm_event other[] = {
	    BGP_EV_CONNECT_RETRY_EXPIRES, BGP_EV_DELAY_OPEN_EXPIRES, BGP_EV_IDLE_HOLD_EXPIRES,
	    BGP_EV_BGP_OPEN_DELAYED,	  BGP_EV_OPEN_ERR,
	};

	after_open_common(BGP_FSM_ESTABLISHED);
	expect(BGP_FSM_ESTABLISHED, BGP_EV_KEEPALIVE_EXPIRES, BGP_FSM_ESTABLISHED,
	       BGP_FSM_ACT_SEND_KEEPALIVE);
	expect(BGP_FSM_ESTABLISHED, BGP_EV_TCP_CONN_FAILS, BGP_FSM_IDLE, BGP_FSM_ACT_DROP_COUNT);
	expect(BGP_FSM_ESTABLISHED, BGP_EV_NOTIF_VERSION_ERR, BGP_FSM_IDLE, BGP_FSM_ACT_DROP_COUNT);
	expect(BGP_FSM_ESTABLISHED, BGP_EV_NOTIF, BGP_FSM_IDLE, BGP_FSM_ACT_DROP_COUNT);
	expect(BGP_FSM_ESTABLISHED, BGP_EV_BGP_OPEN, BGP_FSM_ESTABLISHED,
	       BGP_FSM_ACT_COLLISION_CHECK);
	expect(BGP_FSM_ESTABLISHED, BGP_EV_KEEPALIVE_MSG, BGP_FSM_ESTABLISHED,
	       BGP_FSM_ACT_RESTART_HOLD);
	expect(BGP_FSM_ESTABLISHED, BGP_EV_UPDATE_MSG, BGP_FSM_ESTABLISHED,
	       BGP_FSM_ACT_PROCESS_UPDATE);
	expect(BGP_FSM_ESTABLISHED, BGP_EV_UPDATE_ERR, BGP_FSM_IDLE, BGP_FSM_ACT_ERROR_DROP);
	fsm_errors(BGP_FSM_ESTABLISHED, other, sizeof(other) / sizeof(other[0]),
		   BGP_FSMERR_ESTABLISHED);
}

/* Properties of every cell. */
static void test_every_cell(void **state)
{
	int s, e;

	for (s = 0; s < BGP_FSM_STATE_MAX; s++) {
		for (e = BGP_EV_MANUAL_START; e < BGP_FSM_EVENT_MAX; e++) {
			struct bgp_fsm_entry t = bgp_fsm_step(s, e);
			bool notifies = t.action == BGP_FSM_ACT_STOP_NOTIFY ||
					t.action == BGP_FSM_ACT_NOTIFY_DROP;

			assert_true(t.next < BGP_FSM_STATE_MAX);
			assert_true(t.action < BGP_FSM_ACT_MAX);
			/* A code exactly where the action sends it. */
			assert_int_equal(t.notify_code != 0, notifies);
			/* Only KEEPALIVE in OpenConfirm establishes. */
			if (t.next == BGP_FSM_ESTABLISHED && s != BGP_FSM_ESTABLISHED)
				assert_true(s == BGP_FSM_OPENCONFIRM && e == BGP_EV_KEEPALIVE_MSG);
			/* Nothing after OPEN ends without telling the peer,
			 * unless the connection is already gone or the peer
			 * spoke first. */
			if (s >= BGP_FSM_OPENSENT && t.next == BGP_FSM_IDLE &&
			    t.action != BGP_FSM_ACT_ERROR_DROP && !notifies)
				assert_true(e == BGP_EV_TCP_CONN_FAILS || e == BGP_EV_NOTIF ||
					    e == BGP_EV_NOTIF_VERSION_ERR);
			assert_string_not_equal(bgp_fsm_action_str(t.action), "?");
		}
		assert_string_not_equal(bgp_fsm_state_str(s), "?");
	}
	for (e = BGP_EV_MANUAL_START; e < BGP_FSM_EVENT_MAX; e++)
		assert_string_not_equal(bgp_fsm_event_str(e), "?");
}

static void test_out_of_range(void **state)
{
	struct bgp_fsm_entry t = bgp_fsm_step(BGP_FSM_STATE_MAX, BGP_EV_MANUAL_START);

	assert_int_equal(t.next, BGP_FSM_IDLE);
	assert_int_equal(t.action, BGP_FSM_ACT_NONE);
	t = bgp_fsm_step(BGP_FSM_ESTABLISHED, 0);
	assert_int_equal(t.action, BGP_FSM_ACT_NONE);
	t = bgp_fsm_step(BGP_FSM_ESTABLISHED, BGP_FSM_EVENT_MAX);
	assert_int_equal(t.action, BGP_FSM_ACT_NONE);
}

/* A whole session, driven only by the table. */
static void test_session_walk(void **state)
{
	static const struct {
		enum bgp_fsm_event ev;
		enum bgp_fsm_state want;
	} walk[] = {
	    {BGP_EV_MANUAL_START, BGP_FSM_CONNECT},
	    {BGP_EV_CONNECT_RETRY_EXPIRES, BGP_FSM_CONNECT},
	    {BGP_EV_TCP_CR_ACKED, BGP_FSM_OPENSENT},
	    {BGP_EV_BGP_OPEN, BGP_FSM_OPENCONFIRM},
	    {BGP_EV_KEEPALIVE_EXPIRES, BGP_FSM_OPENCONFIRM},
	    {BGP_EV_KEEPALIVE_MSG, BGP_FSM_ESTABLISHED},
	    {BGP_EV_UPDATE_MSG, BGP_FSM_ESTABLISHED},
	    {BGP_EV_KEEPALIVE_MSG, BGP_FSM_ESTABLISHED},
	    {BGP_EV_HOLD_EXPIRES, BGP_FSM_IDLE},
	    {BGP_EV_AUTOMATIC_START_PASSIVE, BGP_FSM_ACTIVE},
	    {BGP_EV_TCP_CONN_CONFIRMED, BGP_FSM_OPENSENT},
	    {BGP_EV_TCP_CONN_FAILS, BGP_FSM_ACTIVE},
	    {BGP_EV_CONNECT_RETRY_EXPIRES, BGP_FSM_CONNECT},
	    {BGP_EV_MANUAL_STOP, BGP_FSM_IDLE},
	};
	enum bgp_fsm_state s = BGP_FSM_IDLE;
	size_t i;

	for (i = 0; i < sizeof(walk) / sizeof(walk[0]); i++) {
		s = bgp_fsm_step(s, walk[i].ev).next;
		assert_int_equal(s, walk[i].want);
	}
	assert_string_equal(bgp_fsm_state_str(BGP_FSM_OPENCONFIRM), "OpenConfirm");
	assert_string_equal(bgp_fsm_event_str(BGP_EV_OPEN_COLLISION_DUMP), "OpenCollisionDump");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_idle),	 cmocka_unit_test(test_connect),
	    cmocka_unit_test(test_active),	 cmocka_unit_test(test_opensent),
	    cmocka_unit_test(test_openconfirm),	 cmocka_unit_test(test_established),
	    cmocka_unit_test(test_every_cell),	 cmocka_unit_test(test_out_of_range),
	    cmocka_unit_test(test_session_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
