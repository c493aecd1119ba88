#include "source.h"

#include <string.h>

#include "datastore.h"
#include "isolate/proxy.h"
#include "json_write.h"
#include "log.h"
#include "metrics.h"
#include "plugin_registry.h"
#include "value.h"

/* Pictures held for wall.capture_delay at most: over a second at 25 fps. */
#define HOLD_MAX_FRAMES 32

struct wall_source {
	/*
	 * A deep copy of the layout's source, so the strings handed to the
	 * plugin live as long as the instance even when a reload frees the
	 * layout it came from. Read-only after create, so it takes no lock.
	 */
	struct wall_layout_source config;
	/* NULL when the plugin is missing or refused. */
	const struct wall_plugin *plugin;
	/* NULL when there is no plugin or create() failed. */
	void *instance;
	/* The instance, when the plugin runs in a child; else NULL. */
	struct wall_isolate *isolate;
	/* Render thread only. */
	bool visible;
	/* The plugin heard show() or hide() at least once. */
	bool visibility_told;
	uint32_t view_width_px;
	uint32_t view_height_px;
	/* enum render_callback bits of the callbacks already warned about as slow. */
	unsigned slow_warned;

	/*
	 * Guards everything below: plugin threads push and report state, the
	 * render thread takes frames, the control thread reads health.
	 */
	GMutex lock;
	/* The newest frame not yet taken by the render thread, or NULL. */
	struct wall_frame_ref *pending;
	/*
	 * wall.capture_delay: frames that know their capture time wait here
	 * (oldest first) until capture time + hold_us, so that every node of a
	 * wall shows a picture at the same moment. 0: the newest wins at once.
	 */
	int64_t hold_us;
	GQueue held;
	uint64_t seq;
	uint64_t pushed;
	uint64_t dropped;
	/* Set once the first malformed frame has been logged. */
	bool malformed_logged;
	/*
	 * The newest overlay, kept apart from frames so each updates on its
	 * own clock; overlay_changed says whether the render thread has seen
	 * it (NULL with overlay_changed set means "removed").
	 */
	struct wall_frame_ref *overlay;
	bool overlay_changed;

	enum wall_source_state state;
	char *reason;
	int64_t since_us;
	int64_t since_real_us;
	uint64_t generation;
	/* The text of the last ERROR the plugin logged, for its error slate. */
	char *last_error;
	/* The plugin's events as JSON texts, until the render thread takes them. */
	GPtrArray *events;
	uint64_t events_dropped;
	/* events->len, read without the lock on every frame. */
	gint events_waiting;
};

/* Host services. */

static void log_prefixed(enum wall_log_level level, const char *prefix, const char *format, ...)
        __attribute__((format(printf, 3, 4)));

static void log_prefixed(enum wall_log_level level, const char *prefix, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	wall_logv(level, prefix, format, args);
	va_end(args);
}

/*
 * Move to state with reason. Returns true when anything changed. The
 * caller holds the lock; the transition is logged by the caller after
 * unlocking, so a slow terminal never holds up a pushing thread.
 */
static bool change_state_locked(struct wall_source *source, enum wall_source_state state,
                                const char *reason)
{
	if (source->state == state && g_strcmp0(source->reason, reason) == 0) {
		return false;
	}
	if (source->state != state) {
		/* A new reason for the same state does not restart its clock. */
		source->since_us = g_get_monotonic_time();
		source->since_real_us = g_get_real_time();
	}
	source->state = state;
	g_free(source->reason);
	source->reason = g_strdup(reason);
	source->generation++;
	return true;
}

static void log_transition(struct wall_source *source, enum wall_source_state from,
                           enum wall_source_state to, const char *reason)
{
	if (reason != NULL) {
		log_prefixed(WALL_LOG_INFO, source->config.name, "%s -> %s: %s",
		             wall_source_state_name(from), wall_source_state_name(to), reason);
	} else {
		log_prefixed(WALL_LOG_INFO, source->config.name, "%s -> %s",
		             wall_source_state_name(from), wall_source_state_name(to));
	}
}

static void set_state(struct wall_source *source, enum wall_source_state state, const char *reason)
{
	if (source == NULL) {
		return;
	}
	if (state <= WALL_SOURCE_STATE_INVALID || state > WALL_SOURCE_STATE_ERROR) {
		log_prefixed(WALL_LOG_WARNING, source->config.name,
		             "plugin reported unknown state %d; ignored", (int)state);
		return;
	}
	g_mutex_lock(&source->lock);
	enum wall_source_state from = source->state;
	bool changed = change_state_locked(source, state, reason);
	g_mutex_unlock(&source->lock);
	if (changed) {
		log_transition(source, from, state, reason);
	}
}

/* Bytes per pixel of plane 0, and the plane count, of each known format. */
static bool format_layout(enum wall_pixel_format format, unsigned *planes, unsigned *bpp)
{
	switch (format) {
	case WALL_PIXEL_FORMAT_I420:
		*planes = 3;
		*bpp = 1;
		return true;
	case WALL_PIXEL_FORMAT_NV12:
		*planes = 2;
		*bpp = 1;
		return true;
	case WALL_PIXEL_FORMAT_BGRA:
	case WALL_PIXEL_FORMAT_RGBA:
		*planes = 1;
		*bpp = 4;
		return true;
	case WALL_PIXEL_FORMAT_INVALID:
		break;
	}
	return false;
}

/*
 * Says what is wrong with frame, or NULL when the renderers can read it
 * without going out of bounds. Only what a plugin states can be checked:
 * a plane shorter than stride * rows is beyond the host's sight.
 */
static const char *frame_problem(const struct wall_frame *frame)
{
	unsigned planes;
	unsigned bpp;
	if (!format_layout(frame->format, &planes, &bpp)) {
		return "unknown pixel format";
	}
	/* Larger than any texture or canvas; also keeps the sums below from overflowing. */
	if (frame->width_px == 0 || frame->height_px == 0 || frame->width_px > 16384 ||
	    frame->height_px > 16384) {
		return "size out of range";
	}
	uint64_t chroma_width = (frame->width_px + 1) / 2;
	for (unsigned i = 0; i < planes; i++) {
		if (frame->planes[i] == NULL) {
			return "missing plane";
		}
		uint64_t row_bytes = (uint64_t)frame->width_px * bpp;
		if (i > 0) {
			/* NV12's one chroma plane interleaves U and V. */
			row_bytes = frame->format == WALL_PIXEL_FORMAT_NV12 ? chroma_width * 2
			                                                    : chroma_width;
		}
		if (frame->strides[i] < row_bytes) {
			return "stride shorter than a row";
		}
	}
	return NULL;
}

static bool push_frame(struct wall_source *source, const struct wall_frame *frame)
{
	if (frame == NULL) {
		return false;
	}
	const char *problem = source != NULL ? frame_problem(frame) : "no source";
	if (problem != NULL) {
		/* The contract is that the host releases every frame it is given. */
		if (frame->release != NULL) {
			frame->release(frame->release_data);
		}
		if (source == NULL) {
			return false;
		}
		g_mutex_lock(&source->lock);
		bool first = !source->malformed_logged;
		source->malformed_logged = true;
		g_mutex_unlock(&source->lock);
		if (first) {
			log_prefixed(WALL_LOG_ERROR, source->config.name,
			             "refused a malformed frame (%s, format %d, %ux%u); further "
			             "ones are refused silently",
			             problem, (int)frame->format, frame->width_px,
			             frame->height_px);
		}
		return false;
	}

	struct wall_frame_ref *ref = g_new0(struct wall_frame_ref, 1);
	ref->frame = *frame;
	ref->refcount = 1;

	g_mutex_lock(&source->lock);
	ref->seq = ++source->seq;
	source->pushed++;
	struct wall_frame_ref *replaced;
	if (source->hold_us > 0 && frame->capture_time_us > 0) {
		g_queue_push_tail(&source->held, ref);
		/* Never more than a second or so of pictures: the oldest goes. */
		replaced = source->held.length > HOLD_MAX_FRAMES ? g_queue_pop_head(&source->held)
		                                                 : NULL;
	} else {
		replaced = source->pending;
		source->pending = ref;
	}
	if (replaced != NULL) {
		source->dropped++;
	}
	/* A picture is the proof a source has connected. */
	bool went_live = source->state == WALL_SOURCE_STATE_CONNECTING &&
	                 change_state_locked(source, WALL_SOURCE_STATE_LIVE, NULL);
	g_mutex_unlock(&source->lock);

	/*
	 * Outside the lock: release is plugin code, and may well take the
	 * plugin's own locks that its pushing thread holds.
	 */
	wall_frame_ref_unref(replaced);
	if (went_live) {
		log_transition(source, WALL_SOURCE_STATE_CONNECTING, WALL_SOURCE_STATE_LIVE, NULL);
	}
	return true;
}

static bool push_overlay(struct wall_source *source, const struct wall_frame *frame)
{
	if (source == NULL) {
		if (frame != NULL && frame->release != NULL) {
			frame->release(frame->release_data);
		}
		return false;
	}
	struct wall_frame_ref *ref = NULL;
	if (frame != NULL) {
		const char *problem = frame->format != WALL_PIXEL_FORMAT_BGRA
		                              ? "overlays must be BGRA"
		                              : frame_problem(frame);
		if (problem != NULL) {
			if (frame->release != NULL) {
				frame->release(frame->release_data);
			}
			log_prefixed(WALL_LOG_WARNING, source->config.name,
			             "refused an overlay (%s)", problem);
			return false;
		}
		ref = g_new0(struct wall_frame_ref, 1);
		ref->frame = *frame;
		ref->refcount = 1;
	}
	g_mutex_lock(&source->lock);
	struct wall_frame_ref *replaced = source->overlay;
	source->overlay = ref;
	source->overlay_changed = true;
	g_mutex_unlock(&source->lock);
	/* Outside the lock, as for frames: release is plugin code. */
	wall_frame_ref_unref(replaced);
	return true;
}

static void host_log(struct wall_source *source, enum wall_log_level level, const char *format, ...)
        __attribute__((format(printf, 3, 4)));

static void host_log(struct wall_source *source, enum wall_log_level level, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	char *text = g_strdup_vprintf(format, args);
	va_end(args);

	const char *prefix = source != NULL ? source->config.name : "plugin";
	log_prefixed(level, prefix, "%s", text);
	if (level == WALL_LOG_ERROR && source != NULL) {
		g_mutex_lock(&source->lock);
		g_free(source->last_error);
		source->last_error = g_steal_pointer(&text);
		g_mutex_unlock(&source->lock);
	}
	g_free(text);
}

/* The plugin's declaration of an option, or NULL. */
static const struct wall_option *option_spec(struct wall_source *source, const char *name)
{
	if (source->plugin == NULL || source->plugin->options == NULL) {
		return NULL;
	}
	for (const struct wall_option *option = source->plugin->options; option->name != NULL;
	     option++) {
		if (g_str_equal(option->name, name)) {
			return option;
		}
	}
	return NULL;
}

static const char *config_string(struct wall_source *source, const char *name)
{
	if (source == NULL || name == NULL) {
		return NULL;
	}
	const struct wall_layout_option *set = wall_layout_source_option(&source->config, name);
	if (set != NULL) {
		return set->value;
	}
	const struct wall_option *spec = option_spec(source, name);
	return spec != NULL ? spec->default_value : NULL;
}

static int64_t config_int(struct wall_source *source, const char *name, int64_t fallback)
{
	const char *text = config_string(source, name);
	if (text == NULL) {
		return fallback;
	}
	gint64 value;
	if (g_ascii_string_to_signed(text, 10, G_MININT64, G_MAXINT64, &value, NULL)) {
		return value;
	}
	bool flag;
	if (wall_parse_bool(text, &flag)) {
		return flag ? 1 : 0;
	}
	return fallback;
}

static double config_double(struct wall_source *source, const char *name, double fallback)
{
	const char *text = config_string(source, name);
	if (text == NULL || *text == '\0') {
		return fallback;
	}
	char *end = NULL;
	double value = g_ascii_strtod(text, &end);
	return *end == '\0' ? value : fallback;
}

static int64_t config_duration_ms(struct wall_source *source, const char *name, int64_t fallback)
{
	const char *text = config_string(source, name);
	int64_t ms;
	return text != NULL && wall_parse_duration_ms(text, &ms) ? ms : fallback;
}

static uint32_t config_color(struct wall_source *source, const char *name, uint32_t fallback)
{
	const char *text = config_string(source, name);
	uint32_t argb;
	return text != NULL && wall_parse_color(text, &argb) ? argb : fallback;
}

static void publish_metric(struct wall_source *source, const char *name, double value)
{
	/* A probe's figures would stand in for the camera's own. */
	if (source == NULL || name == NULL || source->config.probe) {
		return;
	}
	char *full = g_strconcat(source->config.name, ".", name, NULL);
	wall_metrics_set(full, value);
	g_free(full);
}

/*
 * The event as subscribers see it: {"event": "plugin", "source": name,
 * "type": type, "data": the plugin's object}. NULL, with why, when json
 * is not one JSON object.
 */
static char *plugin_event_json(struct wall_source *source, const char *type, const char *json,
                               const char **problem)
{
	JsonParser *parser = json_parser_new();
	JsonNode *root = NULL;
	if (strlen(json) > WALL_EVENT_MAX_BYTES) {
		*problem = "longer than 16 KiB";
	} else if (!json_parser_load_from_data(parser, json, -1, NULL) ||
	           (root = json_parser_get_root(parser)) == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		*problem = "not a JSON object";
		root = NULL;
	}
	char *text = NULL;
	if (root != NULL) {
		JsonBuilder *builder = json_builder_new();
		json_builder_begin_object(builder);
		wall_json_set_string(builder, "event", "plugin");
		wall_json_set_string(builder, "source", source->config.name);
		wall_json_set_string(builder, "type", type);
		json_builder_set_member_name(builder, "data");
		json_builder_add_value(builder, json_node_copy(root));
		json_builder_end_object(builder);
		text = wall_json_finish(builder);
	}
	g_object_unref(parser);
	return text;
}

static void emit_event(struct wall_source *source, const char *type, const char *json)
{
	if (source == NULL || type == NULL || *type == '\0') {
		return;
	}
	const char *problem = NULL;
	char *text = plugin_event_json(source, type, json != NULL ? json : "{}", &problem);
	if (text == NULL) {
		log_prefixed(WALL_LOG_WARNING, source->config.name, "event %s refused: %s", type,
		             problem);
		return;
	}
	g_mutex_lock(&source->lock);
	bool room = source->events->len < WALL_SOURCE_EVENTS_MAX;
	bool first_drop = !room && source->events_dropped++ == 0;
	if (room) {
		g_ptr_array_add(source->events, g_steal_pointer(&text));
		g_atomic_int_set(&source->events_waiting, (gint)source->events->len);
	}
	g_mutex_unlock(&source->lock);
	g_free(text);
	if (first_drop) {
		log_prefixed(WALL_LOG_WARNING, source->config.name,
		             "more than %u events between two frames; the rest are dropped",
		             WALL_SOURCE_EVENTS_MAX);
	}
}

static const char *source_name(struct wall_source *source)
{
	return source != NULL ? source->config.name : NULL;
}

static bool read_metric(struct wall_source *source, const char *name, double *value)
{
	if (name == NULL || value == NULL) {
		return false;
	}
	return wall_metrics_get(name, value);
}

static bool read_data(struct wall_source *source, const char *key, uint64_t known_generation,
                      void (*receive)(void *user, const char *json, uint64_t generation),
                      void *user)
{
	if (key == NULL) {
		return false;
	}
	uint64_t generation = 0;
	char *json = wall_data_get(key, &generation);
	if (json == NULL) {
		return false;
	}
	/* The text is ours, so the plugin never frees host memory. */
	if (generation != known_generation && receive != NULL) {
		receive(user, json, generation);
	}
	g_free(json);
	return true;
}

static const char *layout_dir(struct wall_source *source)
{
	return source != NULL ? source->config.dir : NULL;
}

/*
 * The one table every instance gets. It is static, so it outlives every
 * instance, as the ABI promises.
 */
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

/* Frames. */

struct wall_frame_ref *wall_frame_ref_ref(struct wall_frame_ref *ref)
{
	g_return_val_if_fail(ref != NULL, NULL);
	g_atomic_int_inc(&ref->refcount);
	return ref;
}

void wall_frame_ref_unref(struct wall_frame_ref *ref)
{
	if (ref == NULL || !g_atomic_int_dec_and_test(&ref->refcount)) {
		return;
	}
	if (ref->frame.release != NULL) {
		ref->frame.release(ref->frame.release_data);
	}
	g_free(ref);
}

/* Instances. */

/*
 * "No plugin callback on the render thread does I/O", enforced where it
 * can be seen: a build without NDEBUG (meson's debug and debugoptimized)
 * times each callback the render thread makes and warns, once per
 * callback and source, when one takes longer than
 * WALL_SOURCE_CALLBACK_BUDGET_US. destroy() is not timed: it must stop
 * the plugin's threads, which the ABI lets it wait for.
 */
#ifdef NDEBUG
#define TIME_RENDER_CALLBACKS 0
#else
#define TIME_RENDER_CALLBACKS 1
#endif

enum render_callback {
	RENDER_CALLBACK_CREATE = 1u << 0,
	RENDER_CALLBACK_SHOW = 1u << 1,
	RENDER_CALLBACK_HIDE = 1u << 2,
	RENDER_CALLBACK_SET_VIEW_SIZE = 1u << 3,
};

static gint slow_callbacks;

static const char *render_callback_name(enum render_callback callback)
{
	switch (callback) {
	case RENDER_CALLBACK_CREATE:
		return "create";
	case RENDER_CALLBACK_SHOW:
		return "show";
	case RENDER_CALLBACK_HIDE:
		return "hide";
	case RENDER_CALLBACK_SET_VIEW_SIZE:
		return "set_view_size";
	}
	return "?";
}

static int64_t callback_started_us(void)
{
	return TIME_RENDER_CALLBACKS ? g_get_monotonic_time() : 0;
}

static void callback_ended(struct wall_source *source, enum render_callback callback,
                           int64_t started_us)
{
	if (!TIME_RENDER_CALLBACKS) {
		return;
	}
	int64_t took_us = g_get_monotonic_time() - started_us;
	if (took_us <= WALL_SOURCE_CALLBACK_BUDGET_US) {
		return;
	}
	g_atomic_int_inc(&slow_callbacks);
	if ((source->slow_warned & callback) == 0) {
		source->slow_warned |= callback;
		wall_warning("%s: plugin %s took %.1f ms in %s() on the render thread, which "
		             "must never wait (budget %d ms): every tile froze meanwhile",
		             source->config.name, source->config.plugin, took_us / 1000.0,
		             render_callback_name(callback), WALL_SOURCE_CALLBACK_BUDGET_US / 1000);
	}
}

unsigned wall_source_slow_callbacks(void)
{
	return (unsigned)g_atomic_int_get(&slow_callbacks);
}

struct wall_source *wall_source_create(const struct wall_layout_source *config,
                                       struct wall_plugin_registry *registry)
{
	g_return_val_if_fail(config != NULL, NULL);

	struct wall_source *source = g_new0(struct wall_source, 1);
	wall_layout_source_copy(&source->config, config);
	g_mutex_init(&source->lock);
	source->events = g_ptr_array_new_with_free_func(g_free);
	source->state = WALL_SOURCE_STATE_CONNECTING;
	source->since_us = g_get_monotonic_time();
	source->since_real_us = g_get_real_time();
	source->generation = 1;

	if (config->plugin_error != NULL) {
		set_state(source, WALL_SOURCE_STATE_ERROR, config->plugin_error);
		return source;
	}
	const char *why = "no plugin set";
	if (config->plugin != NULL && registry != NULL) {
		source->plugin = wall_plugin_registry_get(registry, config->plugin, &why);
	}
	if (source->plugin == NULL) {
		set_state(source, WALL_SOURCE_STATE_ERROR, why);
		return source;
	}

	const char *file = wall_plugin_registry_file(registry, source->plugin);
	int64_t started_us = callback_started_us();
	if (config->isolate && file != NULL) {
		/* The plugin runs in a child; the stand-in forwards to it. */
		struct wall_isolate *isolate =
		        wall_isolate_create(&host, source, source->plugin, file, config);
		source->instance = isolate;
		source->isolate = isolate;
		source->plugin = isolate != NULL ? wall_isolate_plugin(isolate) : source->plugin;
	} else {
		source->instance = source->plugin->create(&host, source);
	}
	callback_ended(source, RENDER_CALLBACK_CREATE, started_us);
	if (source->instance == NULL) {
		/* Anything it pushed before giving up is of no use now. */
		g_mutex_lock(&source->lock);
		struct wall_frame_ref *pending = g_steal_pointer(&source->pending);
		struct wall_frame_ref *overlay = g_steal_pointer(&source->overlay);
		char *reason = g_strdup(source->last_error != NULL ? source->last_error
		                                                   : "plugin failed to start");
		g_mutex_unlock(&source->lock);
		wall_frame_ref_unref(pending);
		wall_frame_ref_unref(overlay);
		set_state(source, WALL_SOURCE_STATE_ERROR, reason);
		g_free(reason);
	}
	return source;
}

void wall_source_destroy(struct wall_source *source)
{
	if (source == NULL) {
		return;
	}
	/* After destroy() returns, no plugin thread pushes any more. */
	if (source->instance != NULL) {
		source->plugin->destroy(source->instance);
		source->instance = NULL;
		source->isolate = NULL;
	}
	wall_frame_ref_unref(source->pending);
	g_queue_clear_full(&source->held, (GDestroyNotify)wall_frame_ref_unref);
	wall_frame_ref_unref(source->overlay);
	wall_layout_source_clear(&source->config);
	g_free(source->reason);
	g_free(source->last_error);
	g_ptr_array_unref(source->events);
	g_mutex_clear(&source->lock);
	g_free(source);
}

void wall_source_take_events(struct wall_source *source, GPtrArray *into)
{
	if (g_atomic_int_get(&source->events_waiting) == 0) {
		return;
	}
	g_mutex_lock(&source->lock);
	for (guint i = 0; i < source->events->len; i++) {
		g_ptr_array_add(into, source->events->pdata[i]);
	}
	g_ptr_array_set_free_func(source->events, NULL);
	g_ptr_array_set_size(source->events, 0);
	g_ptr_array_set_free_func(source->events, g_free);
	g_atomic_int_set(&source->events_waiting, 0);
	g_mutex_unlock(&source->lock);
}

const char *wall_source_get_name(const struct wall_source *source)
{
	return source->config.name;
}

const struct wall_layout_source *wall_source_get_config(const struct wall_source *source)
{
	return &source->config;
}

bool wall_source_take_overlay(struct wall_source *source, struct wall_frame_ref **overlay)
{
	g_mutex_lock(&source->lock);
	bool changed = source->overlay_changed;
	source->overlay_changed = false;
	*overlay = changed && source->overlay != NULL ? wall_frame_ref_ref(source->overlay) : NULL;
	g_mutex_unlock(&source->lock);
	return changed;
}

struct wall_frame_ref *wall_source_take_frame(struct wall_source *source)
{
	return wall_source_take_frame_due(source, G_MAXINT64);
}

void wall_source_set_hold(struct wall_source *source, int64_t hold_us)
{
	g_mutex_lock(&source->lock);
	source->hold_us = MAX(hold_us, 0);
	g_mutex_unlock(&source->lock);
}

struct wall_frame_ref *wall_source_take_frame_due(struct wall_source *source, int64_t now_us)
{
	if (source->isolate != NULL) {
		/* The child's newest picture and overlay, from the page it shares with us. */
		wall_isolate_poll(source->isolate);
	}
	GPtrArray *passed = NULL;
	g_mutex_lock(&source->lock);
	struct wall_frame_ref *head;
	while ((head = g_queue_peek_head(&source->held)) != NULL &&
	       (now_us == G_MAXINT64 || head->frame.capture_time_us + source->hold_us <= now_us)) {
		g_queue_pop_head(&source->held);
		/* The newest due picture wins; the ones it passed were never shown. */
		struct wall_frame_ref *older = source->pending;
		if (older != NULL && older->seq > head->seq) {
			older = head;
		} else {
			source->pending = head;
		}
		if (older != NULL) {
			source->dropped++;
			if (passed == NULL) {
				passed = g_ptr_array_new_with_free_func(
				        (GDestroyNotify)wall_frame_ref_unref);
			}
			g_ptr_array_add(passed, older);
		}
	}
	struct wall_frame_ref *ref = g_steal_pointer(&source->pending);
	g_mutex_unlock(&source->lock);
	/* Outside the lock: a release is plugin code. */
	if (passed != NULL) {
		g_ptr_array_unref(passed);
	}
	return ref;
}

void wall_source_get_health(struct wall_source *source, struct wall_source_health *health)
{
	g_mutex_lock(&source->lock);
	health->state = source->state;
	health->reason = g_strdup(source->reason);
	health->since_us = source->since_us;
	health->since_real_us = source->since_real_us;
	health->generation = source->generation;
	g_mutex_unlock(&source->lock);
}

uint64_t wall_source_health_generation(struct wall_source *source)
{
	g_mutex_lock(&source->lock);
	uint64_t generation = source->generation;
	g_mutex_unlock(&source->lock);
	return generation;
}

void wall_source_set_visible(struct wall_source *source, bool visible)
{
	/*
	 * The first call always reaches the plugin: a source started hidden
	 * (kept warm for another preset) must hear hide() to idle cheaply.
	 */
	if (source->visibility_told && source->visible == visible) {
		return;
	}
	source->visibility_told = true;
	source->visible = visible;
	if (source->instance == NULL) {
		return;
	}
	int64_t started_us = callback_started_us();
	if (visible && source->plugin->show != NULL) {
		source->plugin->show(source->instance);
		callback_ended(source, RENDER_CALLBACK_SHOW, started_us);
	} else if (!visible && source->plugin->hide != NULL) {
		source->plugin->hide(source->instance);
		callback_ended(source, RENDER_CALLBACK_HIDE, started_us);
	}
}

void wall_source_set_view_size(struct wall_source *source, uint32_t width_px, uint32_t height_px)
{
	if (source->view_width_px == width_px && source->view_height_px == height_px) {
		return;
	}
	source->view_width_px = width_px;
	source->view_height_px = height_px;
	if (source->instance != NULL && source->plugin->set_view_size != NULL) {
		int64_t started_us = callback_started_us();
		source->plugin->set_view_size(source->instance, width_px, height_px);
		callback_ended(source, RENDER_CALLBACK_SET_VIEW_SIZE, started_us);
	}
}

void wall_source_get_counts(struct wall_source *source, uint64_t *pushed, uint64_t *dropped)
{
	g_mutex_lock(&source->lock);
	if (pushed != NULL) {
		*pushed = source->pushed;
	}
	if (dropped != NULL) {
		*dropped = source->dropped;
	}
	g_mutex_unlock(&source->lock);
}

void wall_source_status(struct wall_source *source, wall_status_fn add, void *user)
{
	/* Unlocked: the plugin's status may call back into the host. */
	if (source->instance != NULL && source->plugin->status != NULL) {
		source->plugin->status(source->instance, add, user);
	}

	g_mutex_lock(&source->lock);
	enum wall_source_state state = source->state;
	char *reason = g_strdup(source->reason);
	char *pushed = g_strdup_printf("%" G_GUINT64_FORMAT, source->pushed);
	char *dropped = g_strdup_printf("%" G_GUINT64_FORMAT, source->dropped);
	g_mutex_unlock(&source->lock);

	add(user, "state", wall_source_state_name(state));
	if (reason != NULL) {
		add(user, "reason", reason);
	}
	add(user, "frames_pushed", pushed);
	add(user, "frames_dropped", dropped);
	g_free(reason);
	g_free(pushed);
	g_free(dropped);
}
