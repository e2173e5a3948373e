/*
 * The BGP finite state machine of RFC 4271 section 8 as a pure table.
 *
 * bgp_fsm_step(state, event) returns what to do: the next state, one
 * action the daemon performs, and for actions that send a NOTIFICATION its
 * code/subcode. The daemon owns timers, sockets and routes; it turns what
 * happens (a timer firing, a message decoded, a connect() result) into an
 * event, looks up the entry, runs the handler registered for the action
 * (a table indexed by enum bgp_fsm_action) and moves to the next state.
 *
 * Optional session attributes of section 8.1.1 that kldnet does not use are
 * taken as FALSE: DelayOpen, DampPeerOscillations,
 * SendNOTIFICATIONwithoutOPEN, CollisionDetectEstablishedState. Their
 * events exist in the enum so the numbering matches the RFC, and map as
 * the RFC maps them when the attribute is FALSE.
 */
#ifndef KLD_BGP_FSM_H
#define KLD_BGP_FSM_H

#include <stdint.h>

enum bgp_fsm_state {
	BGP_FSM_IDLE = 0,
	BGP_FSM_CONNECT,
	BGP_FSM_ACTIVE,
	BGP_FSM_OPENSENT,
	BGP_FSM_OPENCONFIRM,
	BGP_FSM_ESTABLISHED,
	BGP_FSM_STATE_MAX,
};

/* RFC 4271 section 8.1, numbered as there. */
enum bgp_fsm_event {
	BGP_EV_MANUAL_START = 1,
	BGP_EV_MANUAL_STOP = 2,
	BGP_EV_AUTOMATIC_START = 3,
	BGP_EV_MANUAL_START_PASSIVE = 4,
	BGP_EV_AUTOMATIC_START_PASSIVE = 5,
	BGP_EV_AUTOMATIC_START_DAMP = 6,
	BGP_EV_AUTOMATIC_START_DAMP_PASSIVE = 7,
	BGP_EV_AUTOMATIC_STOP = 8,
	BGP_EV_CONNECT_RETRY_EXPIRES = 9,
	BGP_EV_HOLD_EXPIRES = 10,
	BGP_EV_KEEPALIVE_EXPIRES = 11,
	BGP_EV_DELAY_OPEN_EXPIRES = 12,
	BGP_EV_IDLE_HOLD_EXPIRES = 13,
	BGP_EV_TCP_CONN_VALID = 14,
	BGP_EV_TCP_CR_INVALID = 15,
	BGP_EV_TCP_CR_ACKED = 16,	/* our connect() completed */
	BGP_EV_TCP_CONN_CONFIRMED = 17, /* we accepted the peer's connection */
	BGP_EV_TCP_CONN_FAILS = 18,
	BGP_EV_BGP_OPEN = 19,
	BGP_EV_BGP_OPEN_DELAYED = 20, /* BGPOpen with DelayOpenTimer running */
	BGP_EV_HEADER_ERR = 21,
	BGP_EV_OPEN_ERR = 22,
	BGP_EV_OPEN_COLLISION_DUMP = 23,
	BGP_EV_NOTIF_VERSION_ERR = 24,
	BGP_EV_NOTIF = 25,
	BGP_EV_KEEPALIVE_MSG = 26,
	BGP_EV_UPDATE_MSG = 27,
	BGP_EV_UPDATE_ERR = 28,
	BGP_FSM_EVENT_MAX,
};

/*
 * Actions: each is one named handler in the daemon, doing the steps the
 * RFC lists for the transitions that use it. "Release" means release all
 * BGP resources of the connection (delete the routes learned over it, or
 * keep them stale for graceful restart).
 */
enum bgp_fsm_action {
	BGP_FSM_ACT_NONE = 0,
	/* ConnectRetryCounter = 0, start ConnectRetryTimer, connect to the
	 * peer and listen. */
	BGP_FSM_ACT_START,
	/* ConnectRetryCounter = 0, start ConnectRetryTimer, listen only. */
	BGP_FSM_ACT_START_PASSIVE,
	/* Connect state, ConnectRetryTimer fired: drop the pending
	 * connection, restart ConnectRetryTimer, connect again. */
	BGP_FSM_ACT_RECONNECT,
	/* Active state, ConnectRetryTimer fired: restart ConnectRetryTimer
	 * and connect. */
	BGP_FSM_ACT_CONNECT,
	/* TCP is up: stop ConnectRetryTimer, send OPEN, set the HoldTimer to
	 * a large value (4 minutes suggested). */
	BGP_FSM_ACT_SEND_OPEN,
	/* The peer's OPEN is valid: stop ConnectRetryTimer, send KEEPALIVE,
	 * start KeepaliveTimer, set HoldTimer to the negotiated hold time
	 * (both off when it is zero). */
	BGP_FSM_ACT_ACCEPT_OPEN,
	/* Run collision detection (RFC 4271 6.8) for the OPEN just received;
	 * if this connection loses, feed BGP_EV_OPEN_COLLISION_DUMP. */
	BGP_FSM_ACT_COLLISION_CHECK,
	/* KEEPALIVE in OpenConfirm: restart HoldTimer; the session is up. */
	BGP_FSM_ACT_ESTABLISH,
	/* Send KEEPALIVE and restart KeepaliveTimer. */
	BGP_FSM_ACT_SEND_KEEPALIVE,
	/* KEEPALIVE in Established: restart HoldTimer. */
	BGP_FSM_ACT_RESTART_HOLD,
	/* Process the UPDATE and restart HoldTimer. */
	BGP_FSM_ACT_PROCESS_UPDATE,
	/* TCP failed in OpenSent: close the connection, restart
	 * ConnectRetryTimer, keep listening. */
	BGP_FSM_ACT_TCP_FAIL_OPENSENT,
	/* ManualStop before OPEN went out: release, drop TCP,
	 * ConnectRetryCounter = 0, stop ConnectRetryTimer. */
	BGP_FSM_ACT_STOP,
	/* ManualStop after OPEN: send the entry's NOTIFICATION (Cease), then
	 * as BGP_FSM_ACT_STOP. */
	BGP_FSM_ACT_STOP_NOTIFY,
	/* Stop ConnectRetryTimer, release, drop TCP; the counter is kept. */
	BGP_FSM_ACT_DROP,
	/* As DROP, and ConnectRetryCounter += 1. */
	BGP_FSM_ACT_DROP_COUNT,
	/* Send the entry's NOTIFICATION, then as DROP_COUNT. Used for
	 * AutomaticStop (Cease), HoldTimer expiry, FSM errors and collision
	 * dumps. */
	BGP_FSM_ACT_NOTIFY_DROP,
	/* Send the NOTIFICATION the decoder produced for the message that
	 * raised the event (header, OPEN or UPDATE error), then as
	 * DROP_COUNT. */
	BGP_FSM_ACT_ERROR_DROP,
	BGP_FSM_ACT_MAX,
};

struct bgp_fsm_entry {
	uint8_t next;	     /* enum bgp_fsm_state */
	uint8_t action;	     /* enum bgp_fsm_action */
	uint8_t notify_code; /* for STOP_NOTIFY / NOTIFY_DROP, else 0 */
	uint8_t notify_subcode;
};

/* The table entry; an out-of-range state or event gives the entry for
 * a no-op in Idle. */
struct bgp_fsm_entry bgp_fsm_step(enum bgp_fsm_state state, enum bgp_fsm_event event);

/* "Idle", "Connect", ..., "Established" as FRR shows them. */
const char *bgp_fsm_state_str(enum bgp_fsm_state s);
const char *bgp_fsm_event_str(enum bgp_fsm_event e);
const char *bgp_fsm_action_str(enum bgp_fsm_action a);

#endif
