/*
 * The message protocol between the wall and a wall-plugin-host child.
 *
 * The two ends share one SOCK_SEQPACKET socketpair, so every message is
 * one packet: a fixed header, then text (NUL-separated strings) up to
 * WALL_IPC_MAX_BYTES in all. Pool buffers (memfds) ride along with
 * POOL_ADD as SCM_RIGHTS, once each. The wall sends without ever blocking
 * (MSG_DONTWAIT): a child that does not read loses the message, misses
 * its heartbeat and is restarted.
 *
 * Pictures do not cross the socket: they cross in one shared page per
 * child (struct wall_ipc_shared), so that a picture costs neither side a
 * system call or a wakeup. Everything the child says or writes there is
 * checked by the receiver (wall/isolate/proxy_messages.c) before use.
 */
#ifndef WALL_ISOLATE_IPC_H
#define WALL_ISOLATE_IPC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wall/plugin.h"

#define WALL_IPC_MAX_BYTES 65536u
/*
 * Buffers one child may share with the wall. A decoder that decodes into
 * the pool holds its reference pictures there too (up to 16 for H.264,
 * and one per frame thread more), besides the pictures the wall shows.
 */
#define WALL_IPC_POOL_MAX 32u

enum wall_ipc_type {
	WALL_IPC_INVALID = 0,
	/* Wall to child. */
	WALL_IPC_INIT, /* text: name, layout dir, then option name, value pairs */
	WALL_IPC_SHOW,
	WALL_IPC_HIDE,
	WALL_IPC_VIEW_SIZE,    /* a, b: width, height */
	WALL_IPC_PING,         /* a: sequence */
	WALL_IPC_METRIC_REPLY, /* a: request id, b: found; value */
	WALL_IPC_DATA_REPLY,   /* a: request id, b: found; c: generation; text: json */
	/* Child to wall. */
	WALL_IPC_READY,       /* create() returned an instance; c: bytes mapped before the plugin */
	WALL_IPC_FAILED,      /* create() returned NULL; text: why */
	WALL_IPC_PONG,        /* a: sequence; text: status name, value pairs */
	WALL_IPC_POOL_ADD,    /* a: pool index, b: the buffer's generation; one fd */
	WALL_IPC_LOG,         /* a: level; text */
	WALL_IPC_STATE,       /* a: state; text: reason, when b is 1 */
	WALL_IPC_METRIC,      /* value; text: name */
	WALL_IPC_EVENT,       /* text: type, json */
	WALL_IPC_READ_METRIC, /* a: request id; text: name */
	WALL_IPC_READ_DATA,   /* a: request id; c: known generation; text: key */
	WALL_IPC_TYPE_MAX,
};

/* A picture in a pool buffer, as offsets from the buffer's start. */
struct wall_ipc_frame {
	uint32_t format;
	uint32_t width_px;
	uint32_t height_px;
	uint32_t offsets[3];
	uint32_t strides[3];
	uint32_t matrix;
	uint32_t range;
	uint32_t flags;
	int64_t capture_time_us;
};

struct wall_ipc_header {
	uint32_t type;
	uint32_t a;
	uint32_t b;
	uint32_t text_bytes;
	uint64_t c;
	double value;
};

/*
 * The page the wall and one child share, made by the wall (a sealed
 * memfd, the child's fd WALL_IPC_SHARED_FD). Each buffer index has a slot
 * the child describes its picture in. Ownership of a shown buffer passes
 * by one atomic exchange on a mailbox word, so that exactly one side
 * holds it at any moment:
 * - the child writes slot i, then exchanges frame (or overlay) to i + 1;
 *   when the exchange returns another index, the wall never took that
 *   picture and its buffer is the child's again;
 * - the wall exchanges the word to 0 and holds what it got, until it
 *   stores 1 into returned[i]; the child takes it back (exchanging that
 *   to 0) when it next pushes a picture or answers a heartbeat.
 * The wall copies a slot out before checking it: a child may write the
 * page at any time, and only its own tile can suffer for it.
 */
#define WALL_IPC_SHARED_FD 4
/* The overlay mailbox's word for "no overlay any more". */
#define WALL_IPC_OVERLAY_OFF UINT32_MAX

struct wall_ipc_slot {
	/* Counts the memfds made for this index; POOL_ADD says which is mapped. */
	uint32_t generation;
	uint32_t reserved;
	struct wall_ipc_frame frame;
};

struct wall_ipc_shared {
	/* 0: nothing new; else the pool index + 1 (or WALL_IPC_OVERLAY_OFF). */
	_Atomic uint32_t frame;
	_Atomic uint32_t overlay;
	_Atomic uint32_t returned[WALL_IPC_POOL_MAX];
	struct wall_ipc_slot slots[WALL_IPC_POOL_MAX];
};

/* One received message; text is NUL-terminated (text_bytes + 1 long). */
struct wall_ipc_message {
	struct wall_ipc_header header;
	char text[WALL_IPC_MAX_BYTES + 1];
	/* The fd that came with it, or -1; the receiver owns it. */
	int fd;
};

/*
 * Send header (text_bytes set from text_bytes) and text, with fd when it
 * is not -1. Never blocks when nonblocking; returns false when the packet
 * could not go (peer gone, or its queue full).
 */
bool wall_ipc_send(int sock, struct wall_ipc_header header, const void *text, size_t text_bytes,
                   int fd, bool nonblocking);

/*
 * Receive one message. Returns false when the peer is gone (header.type
 * then reads WALL_IPC_INVALID) or sent something that is not a
 * well-formed message of this protocol (WALL_IPC_TYPE_MAX).
 */
bool wall_ipc_receive(int sock, struct wall_ipc_message *message);

/*
 * The n-th NUL-separated string of text (text_bytes long), or NULL when
 * there are fewer. Used to read the text of INIT, LOG, EVENT and PONG.
 */
const char *wall_ipc_text_field(const char *text, size_t text_bytes, unsigned n);

/* Bytes per pixel of plane 0 and the plane count; false for an unknown format. */
bool wall_ipc_format_layout(uint32_t format, unsigned *planes, unsigned *bpp);

/* Rows and row bytes of plane i of a width x height picture in format. */
void wall_ipc_plane_size(uint32_t format, unsigned plane, uint32_t width_px, uint32_t height_px,
                         uint64_t *rows, uint64_t *row_bytes);

#endif
