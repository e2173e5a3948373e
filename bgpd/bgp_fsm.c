/*
 * RFC 4271 section 8.2.2 as a [state][event] table.
 *
 * Every cell is written out, so a reader checks a row against the RFC
 * paragraph by paragraph. The RFC's "any other event" rows are the
 * defaults: before an OPEN has been sent (Connect, Active) the connection
 * is dropped and ConnectRetryCounter incremented; after it (OpenSent,
 * OpenConfirm, Established) a NOTIFICATION with Error Code Finite State
 * Machine Error is sent first, with the RFC 6608 subcode naming the state.
 *
 * With DelayOpen FALSE (kldnet never delays its OPEN), events 12 and 20
 * cannot occur; they fall under "any other event" everywhere, which is
 * where the RFC puts them in OpenSent, OpenConfirm and Established.
 *
 * One deliberate reading: in Established the RFC lists BGPHeaderErr
 * (21) among "any other event" (FSM Error), but section 6.1 requires a
 * header error to be reported with Message Header Error. The table sends
 * the decoder's NOTIFICATION (ERROR_DROP), as FRR and BIRD do.
 */
#include "util.h"
#include "bgp_types.h"
#include "bgp_fsm.h"

#define E(nx, act)                                                                                 \
	{                                                                                          \
		BGP_FSM_##nx, BGP_FSM_ACT_##act, 0, 0                                              \
	}
#define N(nx, act, code, sub)                                                                      \
	{                                                                                          \
		BGP_FSM_##nx, BGP_FSM_ACT_##act, code, sub                                         \
	}

#define CEASE_ADMIN N(IDLE, STOP_NOTIFY, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN)
#define CEASE_AUTO N(IDLE, NOTIFY_DROP, BGP_ERR_CEASE, BGP_CEASE_UNSPECIFIC)
#define CEASE_COLLISION N(IDLE, NOTIFY_DROP, BGP_ERR_CEASE, BGP_CEASE_COLLISION)
#define HOLD_EXPIRED N(IDLE, NOTIFY_DROP, BGP_ERR_HOLD_EXPIRED, 0)
#define FSM_ERR(sub) N(IDLE, NOTIFY_DROP, BGP_ERR_FSM, sub)

/* clang-format off */
static const struct bgp_fsm_entry fsm_table[BGP_FSM_STATE_MAX][BGP_FSM_EVENT_MAX] = {
	[BGP_FSM_IDLE] = {
		[BGP_EV_MANUAL_START] = E(CONNECT, START),
		[BGP_EV_MANUAL_STOP] = E(IDLE, NONE),
		[BGP_EV_AUTOMATIC_START] = E(CONNECT, START),
		[BGP_EV_MANUAL_START_PASSIVE] = E(ACTIVE, START_PASSIVE),
		[BGP_EV_AUTOMATIC_START_PASSIVE] = E(ACTIVE, START_PASSIVE),
		[BGP_EV_AUTOMATIC_START_DAMP] = E(CONNECT, START),
		[BGP_EV_AUTOMATIC_START_DAMP_PASSIVE] = E(ACTIVE, START_PASSIVE),
		[BGP_EV_AUTOMATIC_STOP] = E(IDLE, NONE),
		/* "Any other event (Events 9-12, 15-28) received in the Idle
		 * state does not cause change in the state"; 13 and 14 only
		 * exist with damping / listening, which Idle does not do. */
		[BGP_EV_CONNECT_RETRY_EXPIRES] = E(IDLE, NONE),
		[BGP_EV_HOLD_EXPIRES] = E(IDLE, NONE),
		[BGP_EV_KEEPALIVE_EXPIRES] = E(IDLE, NONE),
		[BGP_EV_DELAY_OPEN_EXPIRES] = E(IDLE, NONE),
		[BGP_EV_IDLE_HOLD_EXPIRES] = E(IDLE, NONE),
		[BGP_EV_TCP_CONN_VALID] = E(IDLE, NONE),
		[BGP_EV_TCP_CR_INVALID] = E(IDLE, NONE),
		[BGP_EV_TCP_CR_ACKED] = E(IDLE, NONE),
		[BGP_EV_TCP_CONN_CONFIRMED] = E(IDLE, NONE),
		[BGP_EV_TCP_CONN_FAILS] = E(IDLE, NONE),
		[BGP_EV_BGP_OPEN] = E(IDLE, NONE),
		[BGP_EV_BGP_OPEN_DELAYED] = E(IDLE, NONE),
		[BGP_EV_HEADER_ERR] = E(IDLE, NONE),
		[BGP_EV_OPEN_ERR] = E(IDLE, NONE),
		[BGP_EV_OPEN_COLLISION_DUMP] = E(IDLE, NONE),
		[BGP_EV_NOTIF_VERSION_ERR] = E(IDLE, NONE),
		[BGP_EV_NOTIF] = E(IDLE, NONE),
		[BGP_EV_KEEPALIVE_MSG] = E(IDLE, NONE),
		[BGP_EV_UPDATE_MSG] = E(IDLE, NONE),
		[BGP_EV_UPDATE_ERR] = E(IDLE, NONE),
	},
	[BGP_FSM_CONNECT] = {
		[BGP_EV_MANUAL_START] = E(CONNECT, NONE),
		[BGP_EV_MANUAL_STOP] = E(IDLE, STOP),
		[BGP_EV_AUTOMATIC_START] = E(CONNECT, NONE),
		[BGP_EV_MANUAL_START_PASSIVE] = E(CONNECT, NONE),
		[BGP_EV_AUTOMATIC_START_PASSIVE] = E(CONNECT, NONE),
		[BGP_EV_AUTOMATIC_START_DAMP] = E(CONNECT, NONE),
		[BGP_EV_AUTOMATIC_START_DAMP_PASSIVE] = E(CONNECT, NONE),
		[BGP_EV_AUTOMATIC_STOP] = E(IDLE, DROP_COUNT),
		[BGP_EV_CONNECT_RETRY_EXPIRES] = E(CONNECT, RECONNECT),
		[BGP_EV_HOLD_EXPIRES] = E(IDLE, DROP_COUNT),
		[BGP_EV_KEEPALIVE_EXPIRES] = E(IDLE, DROP_COUNT),
		[BGP_EV_DELAY_OPEN_EXPIRES] = E(IDLE, DROP_COUNT),
		[BGP_EV_IDLE_HOLD_EXPIRES] = E(IDLE, DROP_COUNT),
		[BGP_EV_TCP_CONN_VALID] = E(CONNECT, NONE),
		[BGP_EV_TCP_CR_INVALID] = E(CONNECT, NONE),
		[BGP_EV_TCP_CR_ACKED] = E(OPENSENT, SEND_OPEN),
		[BGP_EV_TCP_CONN_CONFIRMED] = E(OPENSENT, SEND_OPEN),
		/* DelayOpenTimer not running: to Idle, counter unchanged. */
		[BGP_EV_TCP_CONN_FAILS] = E(IDLE, DROP),
		[BGP_EV_BGP_OPEN] = E(IDLE, DROP_COUNT),
		[BGP_EV_BGP_OPEN_DELAYED] = E(IDLE, DROP_COUNT),
		/* SendNOTIFICATIONwithoutOPEN is FALSE: no NOTIFICATION. */
		[BGP_EV_HEADER_ERR] = E(IDLE, DROP_COUNT),
		[BGP_EV_OPEN_ERR] = E(IDLE, DROP_COUNT),
		[BGP_EV_OPEN_COLLISION_DUMP] = E(IDLE, DROP_COUNT),
		[BGP_EV_NOTIF_VERSION_ERR] = E(IDLE, DROP_COUNT),
		[BGP_EV_NOTIF] = E(IDLE, DROP_COUNT),
		[BGP_EV_KEEPALIVE_MSG] = E(IDLE, DROP_COUNT),
		[BGP_EV_UPDATE_MSG] = E(IDLE, DROP_COUNT),
		[BGP_EV_UPDATE_ERR] = E(IDLE, DROP_COUNT),
	},
	[BGP_FSM_ACTIVE] = {
		[BGP_EV_MANUAL_START] = E(ACTIVE, NONE),
		[BGP_EV_MANUAL_STOP] = E(IDLE, STOP),
		[BGP_EV_AUTOMATIC_START] = E(ACTIVE, NONE),
		[BGP_EV_MANUAL_START_PASSIVE] = E(ACTIVE, NONE),
		[BGP_EV_AUTOMATIC_START_PASSIVE] = E(ACTIVE, NONE),
		[BGP_EV_AUTOMATIC_START_DAMP] = E(ACTIVE, NONE),
		[BGP_EV_AUTOMATIC_START_DAMP_PASSIVE] = E(ACTIVE, NONE),
		[BGP_EV_AUTOMATIC_STOP] = E(IDLE, DROP_COUNT),
		[BGP_EV_CONNECT_RETRY_EXPIRES] = E(CONNECT, CONNECT),
		[BGP_EV_HOLD_EXPIRES] = E(IDLE, DROP_COUNT),
		[BGP_EV_KEEPALIVE_EXPIRES] = E(IDLE, DROP_COUNT),
		[BGP_EV_DELAY_OPEN_EXPIRES] = E(IDLE, DROP_COUNT),
		[BGP_EV_IDLE_HOLD_EXPIRES] = E(IDLE, DROP_COUNT),
		[BGP_EV_TCP_CONN_VALID] = E(ACTIVE, NONE),
		[BGP_EV_TCP_CR_INVALID] = E(ACTIVE, NONE),
		[BGP_EV_TCP_CR_ACKED] = E(OPENSENT, SEND_OPEN),
		[BGP_EV_TCP_CONN_CONFIRMED] = E(OPENSENT, SEND_OPEN),
		/* The RFC restarts ConnectRetryTimer here, but a timer firing
		 * in Idle is ignored, so stopping it is equivalent. */
		[BGP_EV_TCP_CONN_FAILS] = E(IDLE, DROP_COUNT),
		[BGP_EV_BGP_OPEN] = E(IDLE, DROP_COUNT),
		[BGP_EV_BGP_OPEN_DELAYED] = E(IDLE, DROP_COUNT),
		[BGP_EV_HEADER_ERR] = E(IDLE, DROP_COUNT),
		[BGP_EV_OPEN_ERR] = E(IDLE, DROP_COUNT),
		[BGP_EV_OPEN_COLLISION_DUMP] = E(IDLE, DROP_COUNT),
		[BGP_EV_NOTIF_VERSION_ERR] = E(IDLE, DROP_COUNT),
		[BGP_EV_NOTIF] = E(IDLE, DROP_COUNT),
		[BGP_EV_KEEPALIVE_MSG] = E(IDLE, DROP_COUNT),
		[BGP_EV_UPDATE_MSG] = E(IDLE, DROP_COUNT),
		[BGP_EV_UPDATE_ERR] = E(IDLE, DROP_COUNT),
	},
	[BGP_FSM_OPENSENT] = {
		[BGP_EV_MANUAL_START] = E(OPENSENT, NONE),
		[BGP_EV_MANUAL_STOP] = CEASE_ADMIN,
		[BGP_EV_AUTOMATIC_START] = E(OPENSENT, NONE),
		[BGP_EV_MANUAL_START_PASSIVE] = E(OPENSENT, NONE),
		[BGP_EV_AUTOMATIC_START_PASSIVE] = E(OPENSENT, NONE),
		[BGP_EV_AUTOMATIC_START_DAMP] = E(OPENSENT, NONE),
		[BGP_EV_AUTOMATIC_START_DAMP_PASSIVE] = E(OPENSENT, NONE),
		[BGP_EV_AUTOMATIC_STOP] = CEASE_AUTO,
		[BGP_EV_CONNECT_RETRY_EXPIRES] = FSM_ERR(BGP_FSMERR_OPENSENT),
		[BGP_EV_HOLD_EXPIRES] = HOLD_EXPIRED,
		[BGP_EV_KEEPALIVE_EXPIRES] = FSM_ERR(BGP_FSMERR_OPENSENT),
		[BGP_EV_DELAY_OPEN_EXPIRES] = FSM_ERR(BGP_FSMERR_OPENSENT),
		[BGP_EV_IDLE_HOLD_EXPIRES] = FSM_ERR(BGP_FSMERR_OPENSENT),
		/* A second connection is tracked by the daemon until its OPEN
		 * arrives (collision detection). */
		[BGP_EV_TCP_CONN_VALID] = E(OPENSENT, NONE),
		[BGP_EV_TCP_CR_INVALID] = E(OPENSENT, NONE),
		[BGP_EV_TCP_CR_ACKED] = E(OPENSENT, NONE),
		[BGP_EV_TCP_CONN_CONFIRMED] = E(OPENSENT, NONE),
		[BGP_EV_TCP_CONN_FAILS] = E(ACTIVE, TCP_FAIL_OPENSENT),
		[BGP_EV_BGP_OPEN] = E(OPENCONFIRM, ACCEPT_OPEN),
		[BGP_EV_BGP_OPEN_DELAYED] = FSM_ERR(BGP_FSMERR_OPENSENT),
		[BGP_EV_HEADER_ERR] = E(IDLE, ERROR_DROP),
		[BGP_EV_OPEN_ERR] = E(IDLE, ERROR_DROP),
		[BGP_EV_OPEN_COLLISION_DUMP] = CEASE_COLLISION,
		[BGP_EV_NOTIF_VERSION_ERR] = E(IDLE, DROP),
		[BGP_EV_NOTIF] = FSM_ERR(BGP_FSMERR_OPENSENT),
		[BGP_EV_KEEPALIVE_MSG] = FSM_ERR(BGP_FSMERR_OPENSENT),
		[BGP_EV_UPDATE_MSG] = FSM_ERR(BGP_FSMERR_OPENSENT),
		[BGP_EV_UPDATE_ERR] = FSM_ERR(BGP_FSMERR_OPENSENT),
	},
	[BGP_FSM_OPENCONFIRM] = {
		[BGP_EV_MANUAL_START] = E(OPENCONFIRM, NONE),
		[BGP_EV_MANUAL_STOP] = CEASE_ADMIN,
		[BGP_EV_AUTOMATIC_START] = E(OPENCONFIRM, NONE),
		[BGP_EV_MANUAL_START_PASSIVE] = E(OPENCONFIRM, NONE),
		[BGP_EV_AUTOMATIC_START_PASSIVE] = E(OPENCONFIRM, NONE),
		[BGP_EV_AUTOMATIC_START_DAMP] = E(OPENCONFIRM, NONE),
		[BGP_EV_AUTOMATIC_START_DAMP_PASSIVE] = E(OPENCONFIRM, NONE),
		[BGP_EV_AUTOMATIC_STOP] = CEASE_AUTO,
		[BGP_EV_CONNECT_RETRY_EXPIRES] = FSM_ERR(BGP_FSMERR_OPENCONFIRM),
		[BGP_EV_HOLD_EXPIRES] = HOLD_EXPIRED,
		[BGP_EV_KEEPALIVE_EXPIRES] = E(OPENCONFIRM, SEND_KEEPALIVE),
		[BGP_EV_DELAY_OPEN_EXPIRES] = FSM_ERR(BGP_FSMERR_OPENCONFIRM),
		[BGP_EV_IDLE_HOLD_EXPIRES] = FSM_ERR(BGP_FSMERR_OPENCONFIRM),
		[BGP_EV_TCP_CONN_VALID] = E(OPENCONFIRM, NONE),
		[BGP_EV_TCP_CR_INVALID] = E(OPENCONFIRM, NONE),
		[BGP_EV_TCP_CR_ACKED] = E(OPENCONFIRM, NONE),
		[BGP_EV_TCP_CONN_CONFIRMED] = E(OPENCONFIRM, NONE),
		[BGP_EV_TCP_CONN_FAILS] = E(IDLE, DROP_COUNT),
		/* An OPEN on the second connection: collision detection. */
		[BGP_EV_BGP_OPEN] = E(OPENCONFIRM, COLLISION_CHECK),
		[BGP_EV_BGP_OPEN_DELAYED] = FSM_ERR(BGP_FSMERR_OPENCONFIRM),
		[BGP_EV_HEADER_ERR] = E(IDLE, ERROR_DROP),
		[BGP_EV_OPEN_ERR] = E(IDLE, ERROR_DROP),
		[BGP_EV_OPEN_COLLISION_DUMP] = CEASE_COLLISION,
		[BGP_EV_NOTIF_VERSION_ERR] = E(IDLE, DROP),
		[BGP_EV_NOTIF] = E(IDLE, DROP_COUNT),
		[BGP_EV_KEEPALIVE_MSG] = E(ESTABLISHED, ESTABLISH),
		[BGP_EV_UPDATE_MSG] = FSM_ERR(BGP_FSMERR_OPENCONFIRM),
		[BGP_EV_UPDATE_ERR] = FSM_ERR(BGP_FSMERR_OPENCONFIRM),
	},
	[BGP_FSM_ESTABLISHED] = {
		[BGP_EV_MANUAL_START] = E(ESTABLISHED, NONE),
		[BGP_EV_MANUAL_STOP] = CEASE_ADMIN,
		[BGP_EV_AUTOMATIC_START] = E(ESTABLISHED, NONE),
		[BGP_EV_MANUAL_START_PASSIVE] = E(ESTABLISHED, NONE),
		[BGP_EV_AUTOMATIC_START_PASSIVE] = E(ESTABLISHED, NONE),
		[BGP_EV_AUTOMATIC_START_DAMP] = E(ESTABLISHED, NONE),
		[BGP_EV_AUTOMATIC_START_DAMP_PASSIVE] = E(ESTABLISHED, NONE),
		[BGP_EV_AUTOMATIC_STOP] = CEASE_AUTO,
		[BGP_EV_CONNECT_RETRY_EXPIRES] = FSM_ERR(BGP_FSMERR_ESTABLISHED),
		[BGP_EV_HOLD_EXPIRES] = HOLD_EXPIRED,
		[BGP_EV_KEEPALIVE_EXPIRES] = E(ESTABLISHED, SEND_KEEPALIVE),
		[BGP_EV_DELAY_OPEN_EXPIRES] = FSM_ERR(BGP_FSMERR_ESTABLISHED),
		[BGP_EV_IDLE_HOLD_EXPIRES] = FSM_ERR(BGP_FSMERR_ESTABLISHED),
		[BGP_EV_TCP_CONN_VALID] = E(ESTABLISHED, NONE),
		[BGP_EV_TCP_CR_INVALID] = E(ESTABLISHED, NONE),
		[BGP_EV_TCP_CR_ACKED] = E(ESTABLISHED, NONE),
		[BGP_EV_TCP_CONN_CONFIRMED] = E(ESTABLISHED, NONE),
		[BGP_EV_TCP_CONN_FAILS] = E(IDLE, DROP_COUNT),
		/* CollisionDetectEstablishedState FALSE: the handler closes
		 * the new connection (RFC 4271 6.8). */
		[BGP_EV_BGP_OPEN] = E(ESTABLISHED, COLLISION_CHECK),
		[BGP_EV_BGP_OPEN_DELAYED] = FSM_ERR(BGP_FSMERR_ESTABLISHED),
		[BGP_EV_HEADER_ERR] = E(IDLE, ERROR_DROP),
		[BGP_EV_OPEN_ERR] = FSM_ERR(BGP_FSMERR_ESTABLISHED),
		[BGP_EV_OPEN_COLLISION_DUMP] = CEASE_COLLISION,
		[BGP_EV_NOTIF_VERSION_ERR] = E(IDLE, DROP_COUNT),
		[BGP_EV_NOTIF] = E(IDLE, DROP_COUNT),
		[BGP_EV_KEEPALIVE_MSG] = E(ESTABLISHED, RESTART_HOLD),
		[BGP_EV_UPDATE_MSG] = E(ESTABLISHED, PROCESS_UPDATE),
		[BGP_EV_UPDATE_ERR] = E(IDLE, ERROR_DROP),
	},
};
/* clang-format on */

struct bgp_fsm_entry bgp_fsm_step(enum bgp_fsm_state state, enum bgp_fsm_event event)
{
	static const struct bgp_fsm_entry noop = E(IDLE, NONE);

	if ((unsigned)state >= BGP_FSM_STATE_MAX || event < BGP_EV_MANUAL_START ||
	    event >= BGP_FSM_EVENT_MAX)
		return noop;
	return fsm_table[state][event];
}

const char *bgp_fsm_state_str(enum bgp_fsm_state s)
{
	static const char *const names[] = {
	    [BGP_FSM_IDLE] = "Idle",
	    [BGP_FSM_CONNECT] = "Connect",
	    [BGP_FSM_ACTIVE] = "Active",
	    [BGP_FSM_OPENSENT] = "OpenSent",
	    [BGP_FSM_OPENCONFIRM] = "OpenConfirm",
	    [BGP_FSM_ESTABLISHED] = "Established",
	};

	return (unsigned)s < KLD_ARRAY_SIZE(names) ? names[s] : "?";
}

const char *bgp_fsm_event_str(enum bgp_fsm_event e)
{
	static const char *const names[] = {
	    [BGP_EV_MANUAL_START] = "ManualStart",
	    [BGP_EV_MANUAL_STOP] = "ManualStop",
	    [BGP_EV_AUTOMATIC_START] = "AutomaticStart",
	    [BGP_EV_MANUAL_START_PASSIVE] = "ManualStart_with_PassiveTcpEstablishment",
	    [BGP_EV_AUTOMATIC_START_PASSIVE] = "AutomaticStart_with_PassiveTcpEstablishment",
	    [BGP_EV_AUTOMATIC_START_DAMP] = "AutomaticStart_with_DampPeerOscillations",
	    [BGP_EV_AUTOMATIC_START_DAMP_PASSIVE] =
		"AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment",
	    [BGP_EV_AUTOMATIC_STOP] = "AutomaticStop",
	    [BGP_EV_CONNECT_RETRY_EXPIRES] = "ConnectRetryTimer_Expires",
	    [BGP_EV_HOLD_EXPIRES] = "HoldTimer_Expires",
	    [BGP_EV_KEEPALIVE_EXPIRES] = "KeepaliveTimer_Expires",
	    [BGP_EV_DELAY_OPEN_EXPIRES] = "DelayOpenTimer_Expires",
	    [BGP_EV_IDLE_HOLD_EXPIRES] = "IdleHoldTimer_Expires",
	    [BGP_EV_TCP_CONN_VALID] = "TcpConnection_Valid",
	    [BGP_EV_TCP_CR_INVALID] = "Tcp_CR_Invalid",
	    [BGP_EV_TCP_CR_ACKED] = "Tcp_CR_Acked",
	    [BGP_EV_TCP_CONN_CONFIRMED] = "TcpConnectionConfirmed",
	    [BGP_EV_TCP_CONN_FAILS] = "TcpConnectionFails",
	    [BGP_EV_BGP_OPEN] = "BGPOpen",
	    [BGP_EV_BGP_OPEN_DELAYED] = "BGPOpen_with_DelayOpenTimer_running",
	    [BGP_EV_HEADER_ERR] = "BGPHeaderErr",
	    [BGP_EV_OPEN_ERR] = "BGPOpenMsgErr",
	    [BGP_EV_OPEN_COLLISION_DUMP] = "OpenCollisionDump",
	    [BGP_EV_NOTIF_VERSION_ERR] = "NotifMsgVerErr",
	    [BGP_EV_NOTIF] = "NotifMsg",
	    [BGP_EV_KEEPALIVE_MSG] = "KeepAliveMsg",
	    [BGP_EV_UPDATE_MSG] = "UpdateMsg",
	    [BGP_EV_UPDATE_ERR] = "UpdateMsgErr",
	};

	return (unsigned)e < KLD_ARRAY_SIZE(names) && names[e] ? names[e] : "?";
}

const char *bgp_fsm_action_str(enum bgp_fsm_action a)
{
	static const char *const names[] = {
	    [BGP_FSM_ACT_NONE] = "none",
	    [BGP_FSM_ACT_START] = "start",
	    [BGP_FSM_ACT_START_PASSIVE] = "start-passive",
	    [BGP_FSM_ACT_RECONNECT] = "reconnect",
	    [BGP_FSM_ACT_CONNECT] = "connect",
	    [BGP_FSM_ACT_SEND_OPEN] = "send-open",
	    [BGP_FSM_ACT_ACCEPT_OPEN] = "accept-open",
	    [BGP_FSM_ACT_COLLISION_CHECK] = "collision-check",
	    [BGP_FSM_ACT_ESTABLISH] = "establish",
	    [BGP_FSM_ACT_SEND_KEEPALIVE] = "send-keepalive",
	    [BGP_FSM_ACT_RESTART_HOLD] = "restart-hold",
	    [BGP_FSM_ACT_PROCESS_UPDATE] = "process-update",
	    [BGP_FSM_ACT_TCP_FAIL_OPENSENT] = "tcp-fail-opensent",
	    [BGP_FSM_ACT_STOP] = "stop",
	    [BGP_FSM_ACT_STOP_NOTIFY] = "stop-notify",
	    [BGP_FSM_ACT_DROP] = "drop",
	    [BGP_FSM_ACT_DROP_COUNT] = "drop-count",
	    [BGP_FSM_ACT_NOTIFY_DROP] = "notify-drop",
	    [BGP_FSM_ACT_ERROR_DROP] = "error-drop",
	};

	return (unsigned)a < KLD_ARRAY_SIZE(names) && names[a] ? names[a] : "?";
}
