/*
 * The picture pool on the child's side (wall-plugin-host): sealed memfd
 * buffers, each shared with the wall once (POOL_ADD) and then named by
 * index in FRAME messages.
 *
 * A buffer is free when neither side holds it:
 * - the plugin holds the buffers it took with acquire_buffer() (a
 *   decoder's pictures, reference pictures included) until it gives them
 *   back;
 * - the wall holds the buffer of every frame it was sent until it says
 *   RELEASE.
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

/* Sends POOL_ADD for index with fd; false when the packet could not go. */
typedef bool (*host_pool_share_fn)(void *user, uint32_t index, int fd);

struct host_pool_buffer {
	int fd;
	uint8_t *map;
	size_t size;
	/* The plugin holds it (acquire_buffer). */
	bool lent;
	/* The wall holds it: a frame in it was sent and not yet released. */
	bool shown;
	/* The plugin's release of the frame shown from it without a copy. */
	void (*release)(void *release_data);
	void *release_data;
};

struct host_pool {
	GMutex lock;
	struct host_pool_buffer buffers[WALL_IPC_POOL_MAX];
	unsigned count;
	host_pool_share_fn share;
	void *user;
	/* Frames sent without a copy, and copied, for the log at exit. */
	uint64_t direct_frames;
	uint64_t copied_frames;
};

void host_pool_init(struct host_pool *pool, host_pool_share_fn share, void *user);

/*
 * A buffer of at least size bytes for the plugin to draw or decode into
 * (wall_host.acquire_buffer); NULL when every buffer the plugin may hold
 * is taken. Any thread.
 */
void *host_pool_acquire(struct host_pool *pool, size_t size, uint8_t **data);
/* The plugin is done with buffer (wall_host.release_buffer). Any thread. */
void host_pool_give_back(struct host_pool *pool, void *buffer);

/*
 * Put frame into a buffer the wall can read and fill header's index (a)
 * and picture (frame) for a FRAME message: in place when its planes lie
 * in a buffer the plugin holds, else copied into a free buffer and the
 * frame released at once. False when no buffer could take it; the frame
 * is then released.
 */
bool host_pool_share_frame(struct host_pool *pool, const struct wall_frame *frame,
                            struct wall_ipc_header *header);

/*
 * The wall no longer shows buffer index (RELEASE), or the FRAME naming it
 * never went: it is free again once the plugin does not hold it. Calls the
 * plugin's release of the frame that was in it. Any thread.
 */
void host_pool_unshow(struct host_pool *pool, uint32_t index);

#endif
