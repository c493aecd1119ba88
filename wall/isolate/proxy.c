#define _GNU_SOURCE
#include "isolate/proxy.h"

#include <errno.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "isolate/proxy_private.h"
#include "layout.h"
#include "log.h"

/* The stand-in plugin's callbacks, on the render thread. */

static void *proxy_create(const struct wall_host *host, struct wall_source *source)
{
	/* Never called: wall_isolate_create() makes the instance. */
	return NULL;
}

static void send_current(struct wall_isolate *isolate, struct wall_ipc_header header)
{
	g_mutex_lock(&isolate->lock);
	struct child *child = isolate->child != NULL ? child_ref(isolate->child) : NULL;
	g_mutex_unlock(&isolate->lock);
	child_send(child, header, NULL, 0);
	if (child != NULL) {
		child_unref(child);
	}
}

static void proxy_set_visible(struct wall_isolate *isolate, bool visible)
{
	g_mutex_lock(&isolate->lock);
	isolate->visible = visible;
	isolate->visibility_told = true;
	isolate->visibility_changes++;
	g_mutex_unlock(&isolate->lock);
	struct wall_ipc_header header = {.type = visible ? WALL_IPC_SHOW : WALL_IPC_HIDE};
	send_current(isolate, header);
}

static void proxy_show(void *instance)
{
	proxy_set_visible(instance, true);
}

static void proxy_hide(void *instance)
{
	proxy_set_visible(instance, false);
}

static void proxy_set_view_size(void *instance, uint32_t width_px, uint32_t height_px)
{
	struct wall_isolate *isolate = instance;
	g_mutex_lock(&isolate->lock);
	isolate->view_width_px = width_px;
	isolate->view_height_px = height_px;
	g_mutex_unlock(&isolate->lock);
	struct wall_ipc_header header = {.type = WALL_IPC_VIEW_SIZE, .a = width_px, .b = height_px};
	send_current(isolate, header);
}

static void add_number(wall_status_fn add, void *user, const char *key, uint64_t value)
{
	char text[32];
	snprintf(text, sizeof(text), "%" G_GUINT64_FORMAT, value);
	add(user, key, text);
}

static void proxy_status(void *instance, wall_status_fn add, void *user)
{
	struct wall_isolate *isolate = instance;
	g_mutex_lock(&isolate->lock);
	GByteArray *pairs = g_byte_array_new();
	g_byte_array_append(pairs, isolate->status->data, isolate->status->len);
	pid_t pid = isolate->child != NULL ? isolate->child->pid : 0;
	uint64_t figures[] = {isolate->rss_kb, isolate->restarts, isolate->crashes, isolate->hangs,
	                      isolate->memory_kills};
	char *last_exit = g_strdup(isolate->last_exit);
	g_mutex_unlock(&isolate->lock);

	/* The plugin's own pairs first, as it sent them with its last heartbeat. */
	for (unsigned i = 0;; i += 2) {
		const char *key = wall_ipc_text_field((const char *)pairs->data, pairs->len, i);
		const char *value =
		        wall_ipc_text_field((const char *)pairs->data, pairs->len, i + 1);
		if (key == NULL || value == NULL) {
			break;
		}
		add(user, key, value);
	}
	add(user, "isolated", "yes");
	add_number(add, user, "child_pid", (uint64_t)pid);
	add_number(add, user, "child_rss_kb", figures[0]);
	add_number(add, user, "restarts", figures[1]);
	add_number(add, user, "crashes", figures[2]);
	add_number(add, user, "hangs", figures[3]);
	add_number(add, user, "memory_kills", figures[4]);
	if (last_exit != NULL) {
		add(user, "last_exit", last_exit);
	}
	g_free(last_exit);
	g_byte_array_unref(pairs);
}

static void isolate_free(struct wall_isolate *isolate)
{
	if (isolate->wake_fd >= 0) {
		close(isolate->wake_fd);
	}
	g_byte_array_unref(isolate->status);
	g_string_free(isolate->init, TRUE);
	g_free(isolate->plugin_path);
	g_free(isolate->plugin_name);
	g_free(isolate->last_exit);
	g_free(isolate->create_error);
	g_mutex_clear(&isolate->lock);
	g_mutex_clear(&isolate->host_lock);
	g_free(isolate);
}

static void proxy_destroy(void *instance)
{
	struct wall_isolate *isolate = instance;
	if (isolate == NULL) {
		return;
	}
	g_mutex_lock(&isolate->host_lock);
	isolate->stopping = true;
	g_mutex_unlock(&isolate->host_lock);
	uint64_t one = 1;
	if (write(isolate->wake_fd, &one, sizeof(one)) < 0) {
		/* An eventfd only fails to count past 2^64 - 2. */
	}
	g_thread_join(isolate->thread);
	isolate_free(isolate);
}

static void append_field(GString *text, const char *value)
{
	g_string_append(text, value != NULL ? value : "");
	g_string_append_c(text, '\0');
}

struct wall_isolate *wall_isolate_create(const struct wall_host *host, struct wall_source *source,
                                         const struct wall_plugin *plugin, const char *plugin_path,
                                         const struct wall_layout_source *config)
{
	struct wall_isolate *isolate = g_new0(struct wall_isolate, 1);
	isolate->table = *plugin;
	isolate->table.create = proxy_create;
	isolate->table.destroy = proxy_destroy;
	isolate->table.show = proxy_show;
	isolate->table.hide = proxy_hide;
	isolate->table.status = proxy_status;
	isolate->table.set_view_size = proxy_set_view_size;
	isolate->host = host;
	isolate->source = source;
	isolate->plugin_path = g_strdup(plugin_path);
	isolate->plugin_name = g_strdup(plugin->name);
	isolate->memory_mb = config->memory_mb;
	isolate->status = g_byte_array_new();
	g_mutex_init(&isolate->lock);
	g_mutex_init(&isolate->host_lock);
	isolate->init = g_string_new(NULL);
	append_field(isolate->init, config->name);
	append_field(isolate->init, config->dir);
	for (unsigned i = 0; config->options != NULL && i < config->options->len; i++) {
		const struct wall_layout_option *option = g_ptr_array_index(config->options, i);
		append_field(isolate->init, option->name);
		append_field(isolate->init, option->value);
	}
	isolate->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (isolate->wake_fd < 0 || isolate->init->len > WALL_IPC_MAX_BYTES) {
		wall_warning("%s: cannot isolate: %s", config->name,
		             isolate->wake_fd < 0 ? g_strerror(errno) : "options too long");
		isolate_free(isolate);
		return NULL;
	}
	isolate->thread = g_thread_new("isolate", supervisor_run, isolate);
	return isolate;
}

void wall_isolate_poll(struct wall_isolate *isolate)
{
	/* Never waits: the supervisor, busy with a host call, takes them itself. */
	if (!g_mutex_trylock(&isolate->host_lock)) {
		return;
	}
	g_mutex_lock(&isolate->lock);
	struct child *child =
	        isolate->child != NULL && !isolate->stopping ? child_ref(isolate->child) : NULL;
	g_mutex_unlock(&isolate->lock);
	if (child != NULL && !child_take_pictures(isolate, child)) {
		/* The supervisor kills it and says why. */
		g_atomic_int_set(&isolate->violator, child->number);
		uint64_t one = 1;
		if (write(isolate->wake_fd, &one, sizeof(one)) < 0) {
			/* An eventfd only fails to count past 2^64 - 2. */
		}
	}
	g_mutex_unlock(&isolate->host_lock);
	child_unref(child);
}

const struct wall_plugin *wall_isolate_plugin(struct wall_isolate *isolate)
{
	return &isolate->table;
}
