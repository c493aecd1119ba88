/*
 * The picture pool on the child's side (wall-plugin-host): sealed memfd
 * buffers, each shared with the wall once (POOL_ADD) and then named by
 * index in the shared page's mailboxes (isolate/ipc.h).
 *
 * A buffer is free when neither side holds it:
 * - the plugin holds the buffers it took with acquire_buffer() (a
 *   decoder's pictures, reference pictures included) until it gives them
 *   back;
 * - a buffer is shown from the moment its picture is put in a mailbox
 *   until the wall returns it, or the next picture displaces it from the
 *   mailbox before the wall took it.
 * A frame whose planes lie in a buffer the plugin holds crosses without a
 * copy; any other frame is copied once into a free buffer.
 */
#ifndef WALL_ISOLATE_PLUGIN_HOST_POOL_H
#define WALL_ISOLATE_PLUGIN_HOST_POOL_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isolate/ipc.h"

/* Sends POOL_ADD for index, generation and fd; false when the packet could not go. */
typedef bool (*host_pool_share_fn)(void *user, uint32_t index, uint32_t generation, int fd);

struct host_pool_buffer {
	int fd;
	uint8_t *map;
	size_t size;
	/* Counts the memfds made for this index. */
	uint32_t generation;
	/* The plugin holds it (acquire_buffer). */
	bool lent;
	/* A picture in it is in a mailbox or with the wall. */
	bool shown;
	/* The plugin's release of the frame shown from it without a copy. */
	void (*release)(void *release_data);
	void *release_data;
};

struct host_pool {
	GMutex lock;
	/* The page shared with the wall. */
	struct wall_ipc_shared *shared;
	struct host_pool_buffer buffers[WALL_IPC_POOL_MAX];
	unsigned count;
	host_pool_share_fn share;
	void *user;
	/* Frames sent without a copy, and copied, for the log at exit. */
	uint64_t direct_frames;
	uint64_t copied_frames;
};

void host_pool_init(struct host_pool *pool, struct wall_ipc_shared *shared,
                    host_pool_share_fn share, void *user);

/*
 * A buffer of at least size bytes for the plugin to draw or decode into
 * (wall_host.acquire_buffer); NULL when every buffer the plugin may hold
 * is taken. Any thread.
 */
void *host_pool_acquire(struct host_pool *pool, size_t size, uint8_t **data);
/* The plugin is done with buffer (wall_host.release_buffer). Any thread. */
void host_pool_give_back(struct host_pool *pool, void *buffer);

/*
 * Put frame into a buffer the wall can read, describe it in the buffer's
 * slot and put it in the frame (or overlay) mailbox: in place when its
 * planes lie in a buffer the plugin holds, else copied into a free buffer
 * and the frame released at once. First takes back what the wall
 * returned. False when no buffer could take it; the frame is then
 * released. Any thread.
 */
bool host_pool_show(struct host_pool *pool, const struct wall_frame *frame, bool overlay);

/* Put "no overlay" in the overlay mailbox. Any thread. */
void host_pool_overlay_off(struct host_pool *pool);

/*
 * Take back every buffer the wall returned, calling the plugin's release
 * of the frame that was in it. Any thread.
 */
void host_pool_reclaim(struct host_pool *pool);

#endif
