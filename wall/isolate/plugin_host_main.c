/*
 * wall-plugin-host: runs one plugin instance for an isolated source.
 *
 *   wall-plugin-host PLUGIN.so SOCKET_FD MEMORY_MB
 *
 * The wall starts it with one end of a SOCK_SEQPACKET socketpair as
 * SOCKET_FD. It loads the plugin through the same ABI as the wall, waits
 * for INIT (the source's name, folder and options), creates the instance
 * and then serves the wall's calls on its main thread, which stands in for
 * the render thread. Host services the plugin calls go to the wall as
 * messages (isolate/ipc.h). Pictures are copied once into a pool of
 * memfd buffers shared with the wall, since a plugin's own planes are
 * private memory; the wall shows them from there without another copy.
 * MEMORY_MB, when not 0, caps the address space (RLIMIT_AS).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "isolate/ipc.h"
#include "isolate/sandbox.h"
#include "value.h"

struct pool_buffer {
	int fd;
	uint8_t *map;
	size_t size;
	bool busy;
};

struct wall_source {
	int sock;
	/* Orders packets from the plugin's threads and the main thread. */
	GMutex send_lock;
	struct wall_plugin plugin;
	void *instance;
	char *name;
	char *dir;
	/* Option name to value, as the layout set them. */
	GHashTable *options;

	GMutex lock;
	GCond replied;
	struct pool_buffer pool[WALL_IPC_POOL_MAX];
	unsigned pool_count;
	char *last_error;
	/* The one read_metric/read_data call waiting for the wall's answer. */
	uint32_t request_id;
	bool request_done;
	bool request_found;
	double request_value;
	uint64_t request_generation;
	char *request_json;
	/* Serializes callers of read_metric/read_data. */
	GMutex request_lock;
};

static bool send_message(struct wall_source *source, struct wall_ipc_header header,
                         const void *text, size_t text_bytes, int fd)
{
	g_mutex_lock(&source->send_lock);
	bool ok = wall_ipc_send(source->sock, header, text, text_bytes, fd, false);
	g_mutex_unlock(&source->send_lock);
	return ok;
}

static void send_text(struct wall_source *source, uint32_t type, uint32_t a, const char *text)
{
	struct wall_ipc_header header = {.type = type, .a = a};
	size_t length = text != NULL ? strlen(text) : 0;
	send_message(source, header, text, MIN(length, WALL_IPC_MAX_BYTES), -1);
}

/* Frames: one copy into a shared buffer. */

static int64_t frame_bytes(const struct wall_frame *frame, uint32_t offsets[3], uint32_t strides[3])
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

/* A free buffer of at least size bytes, marked busy; -1 when all are busy. */
static int take_buffer(struct wall_source *source, size_t size)
{
	g_mutex_lock(&source->lock);
	int found = -1;
	for (unsigned i = 0; i < source->pool_count && found < 0; i++) {
		if (!source->pool[i].busy) {
			found = (int)i;
		}
	}
	if (found < 0 && source->pool_count < WALL_IPC_POOL_MAX) {
		found = (int)source->pool_count++;
		source->pool[found] = (struct pool_buffer){.fd = -1};
	}
	if (found >= 0) {
		source->pool[found].busy = true;
	}
	g_mutex_unlock(&source->lock);
	if (found < 0) {
		return -1;
	}
	struct pool_buffer *buffer = &source->pool[found];
	if (buffer->size >= size) {
		return found;
	}
	/* Too small (or new): a fresh memfd, shared with the wall once. */
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
	buffer->map = mmap(NULL, rounded, PROT_READ | PROT_WRITE, MAP_SHARED, buffer->fd, 0);
	if (buffer->map == MAP_FAILED) {
		buffer->map = NULL;
		goto fail;
	}
	buffer->size = rounded;
	struct wall_ipc_header header = {.type = WALL_IPC_POOL_ADD, .a = (uint32_t)found};
	if (!send_message(source, header, NULL, 0, buffer->fd)) {
		goto fail;
	}
	return found;
fail:
	if (buffer->fd >= 0) {
		close(buffer->fd);
	}
	buffer->fd = -1;
	g_mutex_lock(&source->lock);
	buffer->busy = false;
	g_mutex_unlock(&source->lock);
	return -1;
}

static bool share_frame(struct wall_source *source, const struct wall_frame *frame, bool overlay)
{
	struct wall_ipc_header header = {.type = WALL_IPC_FRAME, .b = overlay ? 1 : 0};
	struct wall_ipc_frame *out = &header.frame;
	int64_t size = frame_bytes(frame, out->offsets, out->strides);
	int index = size > 0 ? take_buffer(source, (size_t)size) : -1;
	if (index >= 0) {
		unsigned planes, bpp;
		wall_ipc_format_layout(frame->format, &planes, &bpp);
		uint8_t *base = source->pool[index].map;
		for (unsigned i = 0; i < planes; i++) {
			uint64_t rows, row_bytes;
			wall_ipc_plane_size(frame->format, i, frame->width_px, frame->height_px,
			                    &rows, &row_bytes);
			for (uint64_t y = 0; y < rows; y++) {
				memcpy(base + out->offsets[i] + y * row_bytes,
				       frame->planes[i] + y * frame->strides[i], row_bytes);
			}
		}
		out->format = frame->format;
		out->width_px = frame->width_px;
		out->height_px = frame->height_px;
		out->matrix = frame->matrix;
		out->range = frame->range;
		out->flags = frame->flags;
		out->capture_time_us = frame->capture_time_us;
		header.a = (uint32_t)index;
	}
	/* The copy is made, so the plugin's planes go back at once. */
	if (frame->release != NULL) {
		frame->release(frame->release_data);
	}
	return index >= 0 && send_message(source, header, NULL, 0, -1);
}

static bool push_frame(struct wall_source *source, const struct wall_frame *frame)
{
	return frame != NULL && share_frame(source, frame, false);
}

static bool push_overlay(struct wall_source *source, const struct wall_frame *frame)
{
	if (frame == NULL) {
		struct wall_ipc_header header = {.type = WALL_IPC_OVERLAY_OFF};
		return send_message(source, header, NULL, 0, -1);
	}
	return share_frame(source, frame, true);
}

/* Host services. */

static void host_log(struct wall_source *source, enum wall_log_level level, const char *format, ...)
        __attribute__((format(printf, 3, 4)));

static void host_log(struct wall_source *source, enum wall_log_level level, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	char *text = g_strdup_vprintf(format, args);
	va_end(args);
	send_text(source, WALL_IPC_LOG, (uint32_t)level, text);
	if (level == WALL_LOG_ERROR) {
		g_mutex_lock(&source->lock);
		g_free(source->last_error);
		source->last_error = g_steal_pointer(&text);
		g_mutex_unlock(&source->lock);
	}
	g_free(text);
}

static const char *config_string(struct wall_source *source, const char *name)
{
	if (name == NULL) {
		return NULL;
	}
	const char *set = g_hash_table_lookup(source->options, name);
	if (set != NULL || source->plugin.options == NULL) {
		return set;
	}
	for (const struct wall_option *option = source->plugin.options; option->name != NULL;
	     option++) {
		if (g_str_equal(option->name, name)) {
			return option->default_value;
		}
	}
	return NULL;
}

static int64_t config_int(struct wall_source *source, const char *name, int64_t fallback)
{
	const char *text = config_string(source, name);
	gint64 number;
	bool flag;
	if (text != NULL &&
	    g_ascii_string_to_signed(text, 10, G_MININT64, G_MAXINT64, &number, NULL)) {
		return number;
	}
	return text != NULL && wall_parse_bool(text, &flag) ? (flag ? 1 : 0) : fallback;
}

static double config_double(struct wall_source *source, const char *name, double fallback)
{
	const char *text = config_string(source, name);
	char *end = NULL;
	double number = text != NULL && *text != '\0' ? g_ascii_strtod(text, &end) : fallback;
	return end != NULL && *end == '\0' ? number : fallback;
}

/* Durations and colours: the same grammar as the wall's (common/value.c). */
static int64_t config_duration_ms(struct wall_source *source, const char *name, int64_t fallback)
{
	int64_t parsed_ms = 0;
	const char *text = config_string(source, name);
	bool ok = text != NULL && wall_parse_duration_ms(text, &parsed_ms);
	return ok ? parsed_ms : fallback;
}

static uint32_t config_color(struct wall_source *source, const char *name, uint32_t fallback)
{
	uint32_t parsed_argb = 0;
	const char *text = config_string(source, name);
	bool ok = text != NULL && wall_parse_color(text, &parsed_argb);
	return ok ? parsed_argb : fallback;
}

static void set_state(struct wall_source *source, enum wall_source_state state, const char *reason)
{
	struct wall_ipc_header header = {
	        .type = WALL_IPC_STATE, .a = (uint32_t)state, .b = reason != NULL ? 1 : 0};
	size_t length = reason != NULL ? MIN(strlen(reason), WALL_IPC_MAX_BYTES) : 0;
	send_message(source, header, reason, length, -1);
}

static void publish_metric(struct wall_source *source, const char *name, double value)
{
	struct wall_ipc_header header = {.type = WALL_IPC_METRIC, .value = value};
	if (name != NULL) {
		send_message(source, header, name, MIN(strlen(name), 1024), -1);
	}
}

static void emit_event(struct wall_source *source, const char *type, const char *json)
{
	if (type == NULL) {
		return;
	}
	GString *text = g_string_new(type);
	g_string_append_c(text, '\0');
	g_string_append(text, json != NULL ? json : "{}");
	struct wall_ipc_header header = {.type = WALL_IPC_EVENT};
	send_message(source, header, text->str, MIN(text->len, WALL_IPC_MAX_BYTES), -1);
	g_string_free(text, TRUE);
}

static const char *source_name(struct wall_source *source)
{
	return source->name;
}

static const char *layout_dir(struct wall_source *source)
{
	return source->dir[0] != '\0' ? source->dir : NULL;
}

/*
 * Ask the wall and wait, at most a second, for the main thread to hand
 * over the answer. A plugin that asks from its own main-thread callback
 * gets no answer (false), since that thread is the one that would read it.
 */
static bool ask_wall(struct wall_source *source, uint32_t type, uint64_t known, const char *text)
{
	g_mutex_lock(&source->lock);
	uint32_t id = ++source->request_id;
	source->request_done = false;
	g_mutex_unlock(&source->lock);
	struct wall_ipc_header header = {.type = type, .a = id, .c = known};
	if (!send_message(source, header, text, MIN(strlen(text), 1024), -1)) {
		return false;
	}
	int64_t deadline = g_get_monotonic_time() + G_TIME_SPAN_SECOND;
	g_mutex_lock(&source->lock);
	while (!source->request_done) {
		if (!g_cond_wait_until(&source->replied, &source->lock, deadline)) {
			break;
		}
	}
	bool found = source->request_done && source->request_found;
	g_mutex_unlock(&source->lock);
	return found;
}

static bool read_metric(struct wall_source *source, const char *name, double *value)
{
	if (name == NULL || value == NULL) {
		return false;
	}
	g_mutex_lock(&source->request_lock);
	bool found = ask_wall(source, WALL_IPC_READ_METRIC, 0, name);
	if (found) {
		*value = source->request_value;
	}
	g_mutex_unlock(&source->request_lock);
	return found;
}

static bool read_data(struct wall_source *source, const char *key, uint64_t known_generation,
                      void (*receive)(void *user, const char *json, uint64_t generation),
                      void *user)
{
	if (key == NULL) {
		return false;
	}
	g_mutex_lock(&source->request_lock);
	bool found = ask_wall(source, WALL_IPC_READ_DATA, known_generation, key);
	g_mutex_lock(&source->lock);
	char *json = g_steal_pointer(&source->request_json);
	uint64_t generation = source->request_generation;
	g_mutex_unlock(&source->lock);
	g_mutex_unlock(&source->request_lock);
	if (found && json != NULL && generation != known_generation && receive != NULL) {
		receive(user, json, generation);
	}
	g_free(json);
	return found;
}

static const struct wall_host host = {
        .struct_size = sizeof(struct wall_host),
        .push_frame = push_frame,
        .log = host_log,
        .config_string = config_string,
        .config_int = config_int,
        .config_double = config_double,
        .config_duration_ms = config_duration_ms,
        .config_color = config_color,
        .set_state = set_state,
        .publish_metric = publish_metric,
        .emit_event = emit_event,
        .source_name = source_name,
        .read_metric = read_metric,
        .read_data = read_data,
        .layout_dir = layout_dir,
        .push_overlay = push_overlay,
};

/* The wall's calls. */

static void add_status(void *user, const char *key, const char *value)
{
	GString *text = user;
	if (key != NULL && value != NULL && text->len + strlen(key) + strlen(value) + 2 < 8192) {
		g_string_append(text, key);
		g_string_append_c(text, '\0');
		g_string_append(text, value);
		g_string_append_c(text, '\0');
	}
}

static void answer_ping(struct wall_source *source, uint32_t seq)
{
	GString *text = g_string_new(NULL);
	if (source->plugin.status != NULL) {
		source->plugin.status(source->instance, add_status, text);
	}
	struct wall_ipc_header header = {.type = WALL_IPC_PONG, .a = seq};
	send_message(source, header, text->str, text->len, -1);
	g_string_free(text, TRUE);
}

static void take_reply(struct wall_source *source, const struct wall_ipc_message *message)
{
	g_mutex_lock(&source->lock);
	if (message->header.a == source->request_id) {
		source->request_done = true;
		source->request_found = message->header.b != 0;
		source->request_value = message->header.value;
		source->request_generation = message->header.c;
		g_free(source->request_json);
		source->request_json = message->header.type == WALL_IPC_DATA_REPLY
		                               ? g_strdup(message->text)
		                               : NULL;
		g_cond_broadcast(&source->replied);
	}
	g_mutex_unlock(&source->lock);
}

static void serve(struct wall_source *source, struct wall_ipc_message *message)
{
	while (wall_ipc_receive(source->sock, message)) {
		const struct wall_ipc_header *header = &message->header;
		switch (header->type) {
		case WALL_IPC_SHOW:
			if (source->plugin.show != NULL) {
				source->plugin.show(source->instance);
			}
			break;
		case WALL_IPC_HIDE:
			if (source->plugin.hide != NULL) {
				source->plugin.hide(source->instance);
			}
			break;
		case WALL_IPC_VIEW_SIZE:
			if (source->plugin.set_view_size != NULL) {
				source->plugin.set_view_size(source->instance, header->a,
				                             header->b);
			}
			break;
		case WALL_IPC_PING:
			answer_ping(source, header->a);
			break;
		case WALL_IPC_RELEASE:
			g_mutex_lock(&source->lock);
			if (header->a < source->pool_count) {
				source->pool[header->a].busy = false;
			}
			g_mutex_unlock(&source->lock);
			break;
		case WALL_IPC_METRIC_REPLY:
		case WALL_IPC_DATA_REPLY:
			take_reply(source, message);
			break;
		default:
			break;
		}
		if (message->fd >= 0) {
			close(message->fd);
		}
	}
}

static bool load_plugin(struct wall_source *source, const char *path)
{
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	const struct wall_plugin *(*entry)(void) = NULL;
	if (handle != NULL) {
		*(void **)&entry = dlsym(handle, WALL_PLUGIN_ENTRY_SYMBOL);
	}
	const struct wall_plugin *exported = entry != NULL ? entry() : NULL;
	if (exported == NULL || exported->abi_version != WALL_PLUGIN_ABI_VERSION ||
	    exported->struct_size > sizeof(struct wall_plugin) || exported->create == NULL ||
	    exported->destroy == NULL) {
		fprintf(stderr, "wall-plugin-host: %s: not a plugin this host can run%s%s\n", path,
		        handle == NULL ? ": " : "", handle == NULL ? dlerror() : "");
		return false;
	}
	/* A smaller (older) plugin's missing callbacks read as NULL. */
	memcpy(&source->plugin, exported, exported->struct_size);
	return true;
}

static bool read_init(struct wall_source *source, struct wall_ipc_message *message)
{
	if (!wall_ipc_receive(source->sock, message) || message->header.type != WALL_IPC_INIT) {
		return false;
	}
	size_t bytes = message->header.text_bytes;
	const char *name = wall_ipc_text_field(message->text, bytes, 0);
	const char *dir = wall_ipc_text_field(message->text, bytes, 1);
	source->name = g_strdup(name != NULL ? name : "");
	source->dir = g_strdup(dir != NULL ? dir : "");
	for (unsigned i = 2;; i += 2) {
		const char *key = wall_ipc_text_field(message->text, bytes, i);
		const char *value = wall_ipc_text_field(message->text, bytes, i + 1);
		if (key == NULL || value == NULL) {
			break;
		}
		g_hash_table_insert(source->options, g_strdup(key), g_strdup(value));
	}
	return true;
}

/* This process's address space now, in bytes (VmSize). */
static uint64_t mapped_bytes(void)
{
	char *text = NULL;
	unsigned long long pages = 0;
	if (g_file_get_contents("/proc/self/statm", &text, NULL, NULL)) {
		sscanf(text, "%llu", &pages);
	}
	g_free(text);
	return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: wall-plugin-host PLUGIN.so SOCKET_FD MEMORY_MB\n");
		return 2;
	}
	/* Die with the wall; hold none of its files but the socket. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close_range(4, ~0u, 0);
	/*
	 * The limit counts from what the host itself has mapped before any
	 * plugin code runs (a sanitized build maps terabytes of shadow).
	 */
	int64_t memory_mb = g_ascii_strtoll(argv[3], NULL, 10);
	uint64_t base_bytes = mapped_bytes();
	if (memory_mb > 0) {
		rlim_t bytes = (rlim_t)base_bytes + ((rlim_t)memory_mb << 20);
		struct rlimit limit = {.rlim_cur = bytes, .rlim_max = bytes};
		setrlimit(RLIMIT_AS, &limit);
	}
	static struct wall_source source;
	static struct wall_ipc_message message;
	source.sock = (int)g_ascii_strtoll(argv[2], NULL, 10);
	source.options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_mutex_init(&source.lock);
	g_mutex_init(&source.send_lock);
	g_mutex_init(&source.request_lock);
	g_cond_init(&source.replied);
	/* Before any plugin code runs, its load-time constructors included. */
	if (!wall_sandbox_enter()) {
		fprintf(stderr, "wall-plugin-host: cannot enter the sandbox\n");
		return 1;
	}
	if (!load_plugin(&source, argv[1]) || !read_init(&source, &message)) {
		return 1;
	}
	source.instance = source.plugin.create(&host, &source);
	if (source.instance == NULL) {
		send_text(&source, WALL_IPC_FAILED, 0,
		          source.last_error != NULL ? source.last_error : "plugin failed to start");
		/*
		 * A seqpacket socket whose peer is gone loses what the peer has
		 * not read yet, so wait for the wall to end us (5 s at most).
		 */
		g_usleep(5 * G_USEC_PER_SEC);
		return 1;
	}
	struct wall_ipc_header ready = {.type = WALL_IPC_READY, .c = base_bytes};
	send_message(&source, ready, NULL, 0, -1);
	serve(&source, &message);
	/* The wall closed its end: it destroys the source. */
	source.plugin.destroy(source.instance);
	return 0;
}
