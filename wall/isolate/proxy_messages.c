/*
 * What a child says, checked before use: pool buffers (sealed memfds),
 * the pictures in its mailboxes, which must lie inside them, log lines,
 * states, metrics, events and the questions it asks of the wall.
 */
#define _GNU_SOURCE
#include "isolate/proxy_private.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/stat.h>

struct held_frame {
	struct child *child;
	uint32_t index;
};

/* The renderer is done with a picture: its buffer goes back through the shared page. */
static void release_frame(void *data)
{
	struct held_frame *held = data;
	struct child *child = held->child;
	g_mutex_lock(&child->lock);
	child->pool[held->index].held = false;
	g_mutex_unlock(&child->lock);
	atomic_store(&child->shared->returned[held->index], 1);
	child_unref(child);
	g_free(held);
}

/* What the child said. */

static bool take_pool_buffer(struct child *child, const struct wall_ipc_message *message)
{
	uint32_t index = message->header.a;
	uint32_t generation = message->header.b;
	struct stat st;
	/* A sealed size: the child cannot shrink it under the renderer (SIGBUS). */
	if (message->fd < 0 || index >= WALL_IPC_POOL_MAX || fstat(message->fd, &st) != 0 ||
	    st.st_size <= 0 || st.st_size > (off_t)1 << 30 ||
	    !(fcntl(message->fd, F_GET_SEALS) & F_SEAL_SHRINK)) {
		return false;
	}
	g_mutex_lock(&child->lock);
	bool ok = !child->pool[index].held;
	if (ok) {
		if (child->pool[index].map != NULL) {
			munmap(child->pool[index].map, child->pool[index].size);
		}
		void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, message->fd, 0);
		child->pool[index].map = map != MAP_FAILED ? map : NULL;
		child->pool[index].size = map != MAP_FAILED ? (size_t)st.st_size : 0;
		child->pool[index].generation = generation;
		ok = map != MAP_FAILED;
	}
	g_mutex_unlock(&child->lock);
	return ok;
}

/* Every plane lies inside the buffer; the buffer is not shown already. */
static bool frame_fits(const struct wall_ipc_frame *frame, size_t size)
{
	unsigned planes, bpp;
	if (!wall_ipc_format_layout(frame->format, &planes, &bpp) || frame->width_px == 0 ||
	    frame->height_px == 0 || frame->width_px > 16384 || frame->height_px > 16384) {
		return false;
	}
	for (unsigned i = 0; i < planes; i++) {
		uint64_t rows, row_bytes;
		wall_ipc_plane_size(frame->format, i, frame->width_px, frame->height_px, &rows,
		                    &row_bytes);
		uint64_t end = (uint64_t)frame->offsets[i] +
		               (uint64_t)frame->strides[i] * (rows - 1) + row_bytes;
		if (frame->strides[i] < row_bytes || end > size) {
			return false;
		}
	}
	return true;
}

/* Hand the host the picture in buffer index as its slot describes it (in, a checked copy). */
static void deliver(struct wall_isolate *isolate, struct child *child, uint32_t index, uint8_t *map,
                    const struct wall_ipc_frame *in, bool overlay)
{
	struct held_frame *held = g_new(struct held_frame, 1);
	held->child = child_ref(child);
	held->index = index;
	struct wall_frame frame = {
	        .format = in->format,
	        .width_px = in->width_px,
	        .height_px = in->height_px,
	        .matrix =
	                in->matrix <= WALL_YUV_MATRIX_BT709 ? in->matrix : WALL_YUV_MATRIX_DEFAULT,
	        .range = in->range <= WALL_YUV_RANGE_FULL ? in->range : WALL_YUV_RANGE_DEFAULT,
	        .capture_time_us = in->capture_time_us,
	        .release = release_frame,
	        .release_data = held,
	        .flags = in->flags & WALL_FRAME_ANY_ASPECT,
	};
	unsigned planes, bpp;
	wall_ipc_format_layout(in->format, &planes, &bpp);
	for (unsigned i = 0; i < planes; i++) {
		frame.planes[i] = map + in->offsets[i];
		frame.strides[i] = in->strides[i];
	}
	if (overlay) {
		isolate->host->push_overlay(isolate->source, &frame);
	} else {
		isolate->host->push_frame(isolate->source, &frame);
		g_atomic_int_inc(&isolate->frames_taken);
	}
}

enum take {
	TAKE_SHOWN,
	/* Its buffer's POOL_ADD has not been read yet. */
	TAKE_WAIT,
	TAKE_BROKEN,
};

/* One mailbox word the wall now holds: show it, or say why not. */
static enum take take_word(struct wall_isolate *isolate, struct child *child, uint32_t word,
                           bool overlay)
{
	if (overlay && word == WALL_IPC_OVERLAY_OFF) {
		isolate->host->push_overlay(isolate->source, NULL);
		return TAKE_SHOWN;
	}
	if (word == 0 || word > WALL_IPC_POOL_MAX) {
		return TAKE_BROKEN;
	}
	uint32_t index = word - 1;
	/* Copied once, then checked: the child may write its slot at any time. */
	struct wall_ipc_slot slot;
	memcpy(&slot, &child->shared->slots[index], sizeof(slot));
	g_mutex_lock(&child->lock);
	uint8_t *map = child->pool[index].map;
	enum take take = TAKE_SHOWN;
	if (map == NULL || child->pool[index].generation != slot.generation) {
		take = TAKE_WAIT;
	} else if (child->pool[index].held || !frame_fits(&slot.frame, child->pool[index].size)) {
		take = TAKE_BROKEN;
	} else {
		child->pool[index].held = true;
	}
	g_mutex_unlock(&child->lock);
	if (take == TAKE_SHOWN) {
		deliver(isolate, child, index, map, &slot.frame, overlay);
	}
	return take;
}

/* A word taken and never shown: its buffer is the child's again. */
static void give_back(struct child *child, uint32_t word)
{
	if (word >= 1 && word <= WALL_IPC_POOL_MAX) {
		atomic_store(&child->shared->returned[word - 1], 1);
	}
}

bool child_take_pictures(struct wall_isolate *isolate, struct child *child)
{
	_Atomic uint32_t *mailboxes[2] = {&child->shared->frame, &child->shared->overlay};
	for (unsigned m = 0; m < 2; m++) {
		uint32_t word = atomic_exchange(mailboxes[m], 0);
		if (word == 0) {
			word = child->waiting[m];
		} else if (child->waiting[m] != 0) {
			/* A newer picture passed the one still waiting for its buffer. */
			give_back(child, child->waiting[m]);
		}
		child->waiting[m] = 0;
		if (word == 0) {
			continue;
		}
		switch (take_word(isolate, child, word, m == 1)) {
		case TAKE_WAIT:
			child->waiting[m] = word;
			break;
		case TAKE_BROKEN:
			return false;
		default:
			break;
		}
	}
	return true;
}

struct data_copy {
	GString *json;
	uint64_t generation;
};

static void copy_data(void *user, const char *json, uint64_t generation)
{
	struct data_copy *copy = user;
	g_string_assign(copy->json, json);
	copy->generation = generation;
}

static void answer_read(struct wall_isolate *isolate, struct child *child,
                        const struct wall_ipc_message *message)
{
	struct wall_ipc_header reply = {.a = message->header.a};
	if (message->header.type == WALL_IPC_READ_METRIC) {
		reply.type = WALL_IPC_METRIC_REPLY;
		reply.b = isolate->host->read_metric(isolate->source, message->text, &reply.value);
		child_send(child, reply, NULL, 0);
		return;
	}
	/* Unchanged since the generation the child knows: found, and no text. */
	struct data_copy copy = {.json = g_string_new(NULL), .generation = message->header.c};
	reply.type = WALL_IPC_DATA_REPLY;
	reply.b = isolate->host->read_data(isolate->source, message->text, message->header.c,
	                                   copy_data, &copy) &&
	          copy.json->len <= WALL_IPC_MAX_BYTES;
	reply.c = copy.generation;
	child_send(child, reply, copy.json->str, reply.b ? copy.json->len : 0);
	g_string_free(copy.json, TRUE);
}

static void keep_status(struct wall_isolate *isolate, const struct wall_ipc_message *message)
{
	g_mutex_lock(&isolate->lock);
	g_byte_array_set_size(isolate->status, 0);
	g_byte_array_append(isolate->status, (const guint8 *)message->text,
	                    message->header.text_bytes);
	g_mutex_unlock(&isolate->lock);
}

bool child_handle(struct wall_isolate *isolate, struct child *child,
                  const struct wall_ipc_message *message, struct run *run)
{
	const struct wall_ipc_header *header = &message->header;
	const char *text = message->text;
	size_t bytes = header->text_bytes;
	switch (header->type) {
	case WALL_IPC_READY:
		g_mutex_lock(&isolate->lock);
		isolate->base_kb = header->c / 1024;
		g_mutex_unlock(&isolate->lock);
		return true;
	case WALL_IPC_FAILED:
		/* The child exits next; its slate keeps the plugin's own reason. */
		g_mutex_lock(&isolate->lock);
		g_free(isolate->create_error);
		isolate->create_error = g_strdup(text);
		g_mutex_unlock(&isolate->lock);
		/* It waits to be ended, so that nothing it said is lost (see the child). */
		pidfd_send_signal(child->pidfd, SIGKILL, NULL, 0);
		return true;
	case WALL_IPC_PONG:
		run->last_pong_us = g_get_monotonic_time();
		keep_status(isolate, message);
		return true;
	case WALL_IPC_POOL_ADD:
		return take_pool_buffer(child, message);
	case WALL_IPC_LOG:
		if (header->a < WALL_LOG_ERROR || header->a > WALL_LOG_DEBUG) {
			return false;
		}
		isolate->host->log(isolate->source, (enum wall_log_level)header->a, "%s", text);
		return true;
	case WALL_IPC_STATE:
		if (header->a <= WALL_SOURCE_STATE_INVALID || header->a > WALL_SOURCE_STATE_ERROR) {
			return false;
		}
		isolate->host->set_state(isolate->source, (enum wall_source_state)header->a,
		                         header->b ? text : NULL);
		faults_note_state(run, (enum wall_source_state)header->a);
		return true;
	case WALL_IPC_METRIC:
		isolate->host->publish_metric(isolate->source, text, header->value);
		return true;
	case WALL_IPC_EVENT: {
		const char *json = wall_ipc_text_field(text, bytes, 1);
		isolate->host->emit_event(isolate->source, text, json != NULL ? json : "{}");
		return true;
	}
	case WALL_IPC_READ_METRIC:
	case WALL_IPC_READ_DATA:
		answer_read(isolate, child, message);
		return true;
	default:
		return false;
	}
}
