/*
 * wall-plugin-host: runs one plugin instance for an isolated source.
 *
 *   wall-plugin-host PLUGIN.so SOCKET_FD MEMORY_MB
 *
 * The wall starts it with one end of a SOCK_SEQPACKET socketpair as
 * SOCKET_FD, and the page it shares with the wall as fd
 * WALL_IPC_SHARED_FD (isolate/ipc.h). It loads the plugin through the same ABI as the wall, waits
 * for INIT (the source's name, folder and options), creates the instance
 * and then serves the wall's calls on its main thread, which stands in for
 * the render thread. Host services the plugin calls go to the wall as
 * messages (isolate/ipc.h). Pictures cross in a pool of memfd buffers
 * shared with the wall, named in the shared page's mailboxes
 * (isolate/plugin_host_pool.h): a plugin that decodes
 * into buffers it took with acquire_buffer() (libavcodec's get_buffer2)
 * hands them over as they are; a picture in the plugin's own memory is
 * copied into the pool once. The wall shows both without another copy.
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
#include <sys/stat.h>
#include <unistd.h>

#include "isolate/ipc.h"
#include "isolate/plugin_host_pool.h"
#include "isolate/sandbox.h"
#include "value.h"

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
	struct host_pool pool;
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

/* Frames: in place when the plugin decoded into the pool, else one copy. */

static bool share_buffer(void *user, uint32_t index, uint32_t generation, int fd)
{
	struct wall_ipc_header header = {.type = WALL_IPC_POOL_ADD, .a = index, .b = generation};
	return send_message(user, header, NULL, 0, fd);
}

static bool push_frame(struct wall_source *source, const struct wall_frame *frame)
{
	return frame != NULL && host_pool_show(&source->pool, frame, false);
}

static bool push_overlay(struct wall_source *source, const struct wall_frame *frame)
{
	if (frame == NULL) {
		host_pool_overlay_off(&source->pool);
		return true;
	}
	return host_pool_show(&source->pool, frame, true);
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

static void *acquire_buffer(struct wall_source *source, size_t size_bytes, uint8_t **data)
{
	return data != NULL ? host_pool_acquire(&source->pool, size_bytes, data) : NULL;
}

static void release_buffer(struct wall_source *source, void *buffer)
{
	if (buffer != NULL) {
		host_pool_give_back(&source->pool, buffer);
	}
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
        .acquire_buffer = acquire_buffer,
        .release_buffer = release_buffer,
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
	/* A plugin that stopped pushing pictures still gets its buffers back. */
	host_pool_reclaim(&source->pool);
	GString *text = g_string_new(NULL);
	if (source->plugin.status != NULL) {
		source->plugin.status(source->instance, add_status, text);
	}
	/* How pictures crossed: in place (decoded into the pool) or copied once. */
	g_mutex_lock(&source->pool.lock);
	char *direct = g_strdup_printf("%" G_GUINT64_FORMAT, source->pool.direct_frames);
	char *copied = g_strdup_printf("%" G_GUINT64_FORMAT, source->pool.copied_frames);
	g_mutex_unlock(&source->pool.lock);
	add_status(text, "frames_in_place", direct);
	add_status(text, "frames_copied", copied);
	g_free(direct);
	g_free(copied);
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

/* The page shared with the wall, or NULL. */
static struct wall_ipc_shared *map_shared(void)
{
	struct stat st;
	if (fstat(WALL_IPC_SHARED_FD, &st) != 0 ||
	    st.st_size < (off_t)sizeof(struct wall_ipc_shared)) {
		return NULL;
	}
	void *map = mmap(NULL, sizeof(struct wall_ipc_shared), PROT_READ | PROT_WRITE, MAP_SHARED,
	                 WALL_IPC_SHARED_FD, 0);
	close(WALL_IPC_SHARED_FD);
	return map != MAP_FAILED ? map : NULL;
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
	/* Die with the wall; hold none of its files but the socket and the page. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close_range(WALL_IPC_SHARED_FD + 1, ~0u, 0);
	struct wall_ipc_shared *shared = map_shared();
	if (shared == NULL) {
		fprintf(stderr, "wall-plugin-host: no page shared with the wall\n");
		return 2;
	}
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
	host_pool_init(&source.pool, shared, share_buffer, &source);
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
