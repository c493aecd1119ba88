#define _GNU_SOURCE
#include "isolate/plugin_host_pool.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Buffers the plugin may never hold, so that a frame in its own memory
 * (an overlay, a picture libavcodec did not decode into the pool) can
 * still be copied out while the plugin's decoder holds the rest.
 */
#define COPY_RESERVE 4u

void host_pool_init(struct host_pool *pool, struct wall_ipc_shared *shared,
                    host_pool_share_fn share, void *user)
{
	memset(pool, 0, sizeof(*pool));
	g_mutex_init(&pool->lock);
	pool->shared = shared;
	pool->share = share;
	pool->user = user;
}

static bool is_free(const struct host_pool_buffer *buffer)
{
	return !buffer->lent && !buffer->shown;
}

/*
 * Under the lock: a free buffer, preferring one already large enough,
 * then a slot never used, then a free one too small (made anew).
 */
static int find_free(struct host_pool *pool, size_t size)
{
	int small = -1;
	for (unsigned i = 0; i < pool->count; i++) {
		if (is_free(&pool->buffers[i])) {
			if (pool->buffers[i].size >= size) {
				return (int)i;
			}
			small = small < 0 ? (int)i : small;
		}
	}
	if (pool->count < WALL_IPC_POOL_MAX) {
		int index = (int)pool->count++;
		pool->buffers[index] = (struct host_pool_buffer){.fd = -1};
		return index;
	}
	return small;
}

/*
 * Give buffer index (taken, so no other thread touches it) at least size
 * bytes: a fresh memfd, sealed and shared with the wall once.
 */
static bool make_room(struct host_pool *pool, int index, size_t size)
{
	struct host_pool_buffer *buffer = &pool->buffers[index];
	if (buffer->size >= size) {
		return true;
	}
	if (buffer->map != NULL) {
		munmap(buffer->map, buffer->size);
		close(buffer->fd);
	}
	size_t rounded = (size + 65535) & ~(size_t)65535;
	buffer->fd = memfd_create("wall-pool", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	buffer->map = NULL;
	buffer->size = 0;
	/* The wall maps only a buffer whose size is sealed: it cannot shrink under it. */
	if (buffer->fd < 0 || ftruncate(buffer->fd, (off_t)rounded) != 0 ||
	    fcntl(buffer->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
		goto fail;
	}
	void *map = mmap(NULL, rounded, PROT_READ | PROT_WRITE, MAP_SHARED, buffer->fd, 0);
	if (map == MAP_FAILED) {
		goto fail;
	}
	buffer->map = map;
	buffer->size = rounded;
	buffer->generation++;
	if (!pool->share(pool->user, (uint32_t)index, buffer->generation, buffer->fd)) {
		munmap(buffer->map, buffer->size);
		buffer->map = NULL;
		buffer->size = 0;
		goto fail;
	}
	return true;
fail:
	if (buffer->fd >= 0) {
		close(buffer->fd);
	}
	buffer->fd = -1;
	return false;
}

void *host_pool_acquire(struct host_pool *pool, size_t size, uint8_t **data)
{
	if (size == 0 || size > (size_t)1 << 30) {
		return NULL;
	}
	g_mutex_lock(&pool->lock);
	unsigned lent = 0;
	for (unsigned i = 0; i < pool->count; i++) {
		lent += pool->buffers[i].lent;
	}
	int index = lent + COPY_RESERVE < WALL_IPC_POOL_MAX ? find_free(pool, size) : -1;
	if (index >= 0) {
		pool->buffers[index].lent = true;
	}
	g_mutex_unlock(&pool->lock);
	if (index < 0) {
		return NULL;
	}
	if (!make_room(pool, index, size)) {
		g_mutex_lock(&pool->lock);
		pool->buffers[index].lent = false;
		g_mutex_unlock(&pool->lock);
		return NULL;
	}
	*data = pool->buffers[index].map;
	/* The handle is the index plus one, so that no handle is NULL. */
	return GUINT_TO_POINTER((unsigned)index + 1);
}

void host_pool_give_back(struct host_pool *pool, void *buffer)
{
	unsigned index = GPOINTER_TO_UINT(buffer) - 1;
	g_mutex_lock(&pool->lock);
	if (index < pool->count) {
		pool->buffers[index].lent = false;
	}
	g_mutex_unlock(&pool->lock);
}

/* Bytes of frame packed tightly, with each plane's offset and stride; -1 when malformed. */
static int64_t packed_size(const struct wall_frame *frame, uint32_t offsets[3], uint32_t strides[3])
{
	unsigned planes, bpp;
	if (!wall_ipc_format_layout(frame->format, &planes, &bpp) || frame->width_px == 0 ||
	    frame->height_px == 0 || frame->width_px > 16384 || frame->height_px > 16384) {
		return -1;
	}
	uint64_t total = 0;
	for (unsigned i = 0; i < planes; i++) {
		uint64_t rows, row_bytes;
		wall_ipc_plane_size(frame->format, i, frame->width_px, frame->height_px, &rows,
		                    &row_bytes);
		if (frame->planes[i] == NULL || frame->strides[i] < row_bytes) {
			return -1;
		}
		offsets[i] = (uint32_t)total;
		strides[i] = (uint32_t)row_bytes;
		total += rows * row_bytes;
	}
	return (int64_t)total;
}

/*
 * Under the lock: the buffer the plugin holds that every plane of frame
 * lies in, with the planes' offsets in it; -1 when there is none.
 */
static int find_holder(struct host_pool *pool, const struct wall_frame *frame, uint32_t offsets[3])
{
	unsigned planes, bpp;
	if (!wall_ipc_format_layout(frame->format, &planes, &bpp) || frame->planes[0] == NULL) {
		return -1;
	}
	for (unsigned k = 0; k < pool->count; k++) {
		const struct host_pool_buffer *buffer = &pool->buffers[k];
		uintptr_t start = (uintptr_t)buffer->map;
		if (!buffer->lent || buffer->shown || buffer->map == NULL ||
		    (uintptr_t)frame->planes[0] < start ||
		    (uintptr_t)frame->planes[0] >= start + buffer->size) {
			continue;
		}
		for (unsigned i = 0; i < planes; i++) {
			uint64_t rows, row_bytes;
			wall_ipc_plane_size(frame->format, i, frame->width_px, frame->height_px,
			                    &rows, &row_bytes);
			uintptr_t plane = (uintptr_t)frame->planes[i];
			if (plane < start || frame->strides[i] < row_bytes ||
			    plane - start + (uint64_t)frame->strides[i] * (rows - 1) + row_bytes >
			            buffer->size) {
				return -1;
			}
			offsets[i] = (uint32_t)(plane - start);
		}
		return (int)k;
	}
	return -1;
}

static void describe(struct wall_ipc_frame *out, const struct wall_frame *frame)
{
	out->format = frame->format;
	out->width_px = frame->width_px;
	out->height_px = frame->height_px;
	out->matrix = frame->matrix;
	out->range = frame->range;
	out->flags = frame->flags;
	out->capture_time_us = frame->capture_time_us;
}

static void copy_planes(uint8_t *base, const struct wall_frame *frame,
                        const struct wall_ipc_frame *out)
{
	unsigned planes, bpp;
	wall_ipc_format_layout(frame->format, &planes, &bpp);
	for (unsigned i = 0; i < planes; i++) {
		uint64_t rows, row_bytes;
		wall_ipc_plane_size(frame->format, i, frame->width_px, frame->height_px, &rows,
		                    &row_bytes);
		for (uint64_t y = 0; y < rows; y++) {
			memcpy(base + out->offsets[i] + y * row_bytes,
			       frame->planes[i] + y * frame->strides[i], row_bytes);
		}
	}
}

/*
 * Under the lock: buffer index is shown no more. Returns its frame's
 * release, for the caller to call outside the lock (it is plugin code).
 */
static void (*unshow(struct host_pool *pool, uint32_t index, void **release_data))(void *)
{
	struct host_pool_buffer *buffer = &pool->buffers[index];
	buffer->shown = false;
	*release_data = g_steal_pointer(&buffer->release_data);
	return g_steal_pointer(&buffer->release);
}

/* A mailbox's old word: a picture the wall never took, whose buffer is ours again. */
static void take_back(struct host_pool *pool, uint32_t word)
{
	void (*release)(void *) = NULL;
	void *release_data = NULL;
	g_mutex_lock(&pool->lock);
	if (word >= 1 && word <= pool->count && pool->buffers[word - 1].shown) {
		release = unshow(pool, word - 1, &release_data);
	}
	g_mutex_unlock(&pool->lock);
	if (release != NULL) {
		release(release_data);
	}
}

/* Put the picture described in out into buffer index (shown, so its slot is ours) and a mailbox. */
static void publish(struct host_pool *pool, uint32_t index, const struct wall_ipc_frame *out,
                    bool overlay)
{
	struct wall_ipc_slot *slot = &pool->shared->slots[index];
	g_mutex_lock(&pool->lock);
	slot->generation = pool->buffers[index].generation;
	g_mutex_unlock(&pool->lock);
	slot->frame = *out;
	_Atomic uint32_t *mailbox = overlay ? &pool->shared->overlay : &pool->shared->frame;
	take_back(pool, atomic_exchange(mailbox, index + 1));
}

void host_pool_reclaim(struct host_pool *pool)
{
	struct {
		void (*release)(void *);
		void *data;
	} releases[WALL_IPC_POOL_MAX];
	unsigned count = 0;
	g_mutex_lock(&pool->lock);
	for (unsigned i = 0; i < pool->count; i++) {
		if (pool->buffers[i].shown && atomic_exchange(&pool->shared->returned[i], 0) != 0) {
			releases[count].release = unshow(pool, i, &releases[count].data);
			count += releases[count].release != NULL;
		}
	}
	g_mutex_unlock(&pool->lock);
	/* Plugin code: outside the lock, it may take its own locks or acquire a buffer. */
	for (unsigned i = 0; i < count; i++) {
		releases[i].release(releases[i].data);
	}
}

/* The frame's buffer, shown now, and its planes' offsets in out; -1 when none could take it. */
static int place(struct host_pool *pool, const struct wall_frame *frame, struct wall_ipc_frame *out)
{
	/* In place: the picture is already in memory the wall has mapped. */
	g_mutex_lock(&pool->lock);
	int index = find_holder(pool, frame, out->offsets);
	if (index >= 0) {
		struct host_pool_buffer *buffer = &pool->buffers[index];
		buffer->shown = true;
		buffer->release = frame->release;
		buffer->release_data = frame->release_data;
		pool->direct_frames++;
	}
	g_mutex_unlock(&pool->lock);
	if (index >= 0) {
		for (unsigned i = 0; i < 3; i++) {
			out->strides[i] = frame->strides[i];
		}
		return index;
	}

	/* Copied once into a free buffer; the plugin's planes go back at once. */
	int64_t size = packed_size(frame, out->offsets, out->strides);
	if (size <= 0) {
		return -1;
	}
	g_mutex_lock(&pool->lock);
	index = find_free(pool, (size_t)size);
	if (index >= 0) {
		pool->buffers[index].shown = true;
		pool->buffers[index].release = NULL;
		pool->copied_frames++;
	}
	g_mutex_unlock(&pool->lock);
	if (index >= 0 && !make_room(pool, index, (size_t)size)) {
		g_mutex_lock(&pool->lock);
		pool->buffers[index].shown = false;
		g_mutex_unlock(&pool->lock);
		return -1;
	}
	if (index >= 0) {
		copy_planes(pool->buffers[index].map, frame, out);
		if (frame->release != NULL) {
			frame->release(frame->release_data);
		}
	}
	return index;
}

bool host_pool_show(struct host_pool *pool, const struct wall_frame *frame, bool overlay)
{
	host_pool_reclaim(pool);
	struct wall_ipc_frame out = {0};
	int index = frame->width_px > 0 && frame->height_px > 0 && frame->width_px <= 16384 &&
	                            frame->height_px <= 16384
	                    ? place(pool, frame, &out)
	                    : -1;
	if (index < 0) {
		if (frame->release != NULL) {
			frame->release(frame->release_data);
		}
		return false;
	}
	describe(&out, frame);
	publish(pool, (uint32_t)index, &out, overlay);
	return true;
}

void host_pool_overlay_off(struct host_pool *pool)
{
	take_back(pool, atomic_exchange(&pool->shared->overlay, WALL_IPC_OVERLAY_OFF));
}
