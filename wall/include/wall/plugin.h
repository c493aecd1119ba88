/*
 * wall plugin ABI.
 *
 * This is the only header a plugin includes. A plugin is a shared object
 * that exports one symbol, wall_plugin_entry(), returning a struct
 * wall_plugin. Plugins reach the wall only through the struct wall_host
 * table they are given; they never link against the wall binary.
 *
 * Compatibility rules:
 * - WALL_PLUGIN_ABI_VERSION changes only when an existing field changes
 *   meaning or goes. The host refuses a plugin whose abi_version differs.
 * - struct wall_plugin and struct wall_host only grow at the end. Each
 *   carries struct_size, so an older plugin with fewer callbacks still
 *   loads, and a plugin can tell whether a newer host service exists
 *   (WALL_HOST_HAS()). A plugin whose struct wall_plugin is larger than
 *   the host's was built for a newer wall: it is refused, because the
 *   host cannot call what it does not know.
 *
 * Threads, as every slot below names them:
 * - the render thread: the wall's main thread; it sets scenes up, draws,
 *   and answers STATUS. A plugin must never block it.
 * - any thread: whatever thread the plugin calls the host from (its own
 *   workers, GStreamer's streaming threads).
 *
 * Build a plugin against the installed SDK with pkg-config: the package
 * wall-plugin gives the include flags, and its variable pluginsdir says
 * where the wall looks for installed plugins.
 */
#ifndef WALL_PLUGIN_H
#define WALL_PLUGIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * 2: wall_plugin.configure is gone (the wall never called it; a reload
 * that changes a source's options recreates the instance).
 */
#define WALL_PLUGIN_ABI_VERSION 2u

/** Pixel layouts a plugin may push. */
enum wall_pixel_format {
	WALL_PIXEL_FORMAT_INVALID = 0,
	/** Planar Y, U, V; chroma halved in both directions. 3 planes. */
	WALL_PIXEL_FORMAT_I420,
	/** Y plane, then one plane of interleaved U,V; chroma halved. */
	WALL_PIXEL_FORMAT_NV12,
	/**
	 * 32 bits per pixel, bytes B, G, R, A in memory, colour premultiplied
	 * by alpha. This is CAIRO_FORMAT_ARGB32 on little-endian machines.
	 */
	WALL_PIXEL_FORMAT_BGRA,
	/** 32 bits per pixel, bytes R, G, B, A in memory, not premultiplied. */
	WALL_PIXEL_FORMAT_RGBA,
};

/** YUV to RGB matrix. DEFAULT picks BT.709 from 720 lines up, else BT.601. */
enum wall_yuv_matrix {
	WALL_YUV_MATRIX_DEFAULT = 0,
	WALL_YUV_MATRIX_BT601,
	WALL_YUV_MATRIX_BT709,
};

/** YUV value range. DEFAULT means LIMITED (16-235), as video almost is. */
enum wall_yuv_range {
	WALL_YUV_RANGE_DEFAULT = 0,
	WALL_YUV_RANGE_LIMITED,
	WALL_YUV_RANGE_FULL,
};

/**
 * One picture handed from a plugin to the wall.
 *
 * The plugin fills it and passes it to wall_host.push_frame(). The host
 * copies this struct, never the pixels: the planes must stay valid and
 * unchanged until the host calls release(release_data). That call can come
 * from any thread, possibly before push_frame() returns (a newer frame
 * replaced this one), and it comes exactly once.
 */
struct wall_frame {
	enum wall_pixel_format format;
	uint32_t width_px;
	uint32_t height_px;
	/** Plane pointers; unused planes are NULL. */
	const uint8_t *planes[3];
	/** Bytes from one row to the next, per plane. */
	uint32_t strides[3];
	enum wall_yuv_matrix matrix;
	enum wall_yuv_range range;
	/**
	 * When the picture was captured, in the wall's clock (microseconds of
	 * g_get_monotonic_time()), or 0 when unknown.
	 */
	int64_t capture_time_us;
	/** Called once when the host no longer needs the planes. May be NULL. */
	void (*release)(void *release_data);
	void *release_data;
	/** enum wall_frame_flag bits. */
	uint32_t flags;
};

/** Frame flags. */
enum wall_frame_flag {
	/**
	 * The picture has no shape of its own (a solid colour, a texture):
	 * it is stretched to the tile whatever the tile's fit says.
	 */
	WALL_FRAME_ANY_ASPECT = 1u << 0,
};

/** Health of a source, shown as a slate on its tiles when not LIVE. */
enum wall_source_state {
	WALL_SOURCE_STATE_INVALID = 0,
	/** Starting up or connecting; tiles show "connecting…". */
	WALL_SOURCE_STATE_CONNECTING,
	/** Frames flowing; tiles show the picture. */
	WALL_SOURCE_STATE_LIVE,
	/** Connected but no new frame; tiles dim the last picture. */
	WALL_SOURCE_STATE_STALLED,
	/** Lost; tiles show "offline since" and the reason. */
	WALL_SOURCE_STATE_OFFLINE,
	/** Cannot work at all (bad config, missing file); tiles show why. */
	WALL_SOURCE_STATE_ERROR,
};

/**
 * The state's word in logs, status and control events ("live"); any
 * thread. Inline, so it adds nothing to the ABI.
 */
static inline const char *wall_source_state_name(enum wall_source_state state)
{
	switch (state) {
	case WALL_SOURCE_STATE_CONNECTING:
		return "connecting";
	case WALL_SOURCE_STATE_LIVE:
		return "live";
	case WALL_SOURCE_STATE_STALLED:
		return "stalled";
	case WALL_SOURCE_STATE_OFFLINE:
		return "offline";
	case WALL_SOURCE_STATE_ERROR:
		return "error";
	case WALL_SOURCE_STATE_INVALID:
		break;
	}
	return "invalid";
}

enum wall_log_level {
	WALL_LOG_INVALID = 0,
	WALL_LOG_ERROR,
	WALL_LOG_WARNING,
	WALL_LOG_INFO,
	WALL_LOG_DEBUG,
};

/** Types of plugin option, checked by the host against the layout file. */
enum wall_option_type {
	WALL_OPTION_INVALID = 0,
	/** Any scalar text. */
	WALL_OPTION_STRING,
	/** Integer within [min, max] when min < max. */
	WALL_OPTION_INT,
	/** Number within [min, max] when min < max. */
	WALL_OPTION_DOUBLE,
	/** true/false, yes/no, on/off. */
	WALL_OPTION_BOOL,
	/** "#rrggbb" or "#rrggbbaa". Read it with wall_host.config_color(). */
	WALL_OPTION_COLOR,
	/**
	 * Duration: "250ms", "1.5s", "2m", "1h" (units in any case), or a
	 * bare number of seconds. Read it with wall_host.config_duration_ms().
	 */
	WALL_OPTION_DURATION,
	/** One of the words in choices, separated by '|'. */
	WALL_OPTION_ENUM,
	/** A path to a file, resolved relative to the layout file. */
	WALL_OPTION_PATH,
	/** Any YAML value (list, map); the plugin reads it as JSON text. */
	WALL_OPTION_JSON,
};

/** Option flags. */
enum wall_option_flag {
	/** The layout must set it. */
	WALL_OPTION_REQUIRED = 1u << 0,
	/** Never logged nor shown in status (passwords, tokens). */
	WALL_OPTION_SECRET = 1u << 1,
};

/**
 * An option a plugin accepts. A plugin lists them in an array ended by an
 * entry whose name is NULL. The host rejects a layout that sets an option
 * not listed, of the wrong type or outside its range, naming file, line
 * and column.
 */
struct wall_option {
	const char *name;
	enum wall_option_type type;
	/** Value when the layout does not set it, written as in YAML; or NULL. */
	const char *default_value;
	/** Inclusive range for INT, DOUBLE and DURATION (seconds); unchecked when min >= max. */
	double min;
	double max;
	/** For ENUM: the allowed words, "tcp|udp|auto". */
	const char *choices;
	/** One line for --help-plugin and error messages. */
	const char *help;
	/** enum wall_option_flag bits. */
	uint32_t flags;
};

/** Opaque: the host's side of one source instance. */
struct wall_source;

/**
 * Services the host offers a plugin instance. Every function may be called
 * from any thread unless it says otherwise. Strings passed in are copied.
 */
struct wall_host {
	/** sizeof(struct wall_host) of the host; see WALL_HOST_HAS(). */
	uint32_t struct_size;

	/**
	 * Hand a new picture to the tiles that show this source. The newest
	 * frame wins: a frame not yet shown is released when a newer one comes.
	 * Any thread. The struct is copied; ownership of the planes passes to
	 * the host until release (see struct wall_frame). Returns false, after
	 * releasing the frame, when the frame is malformed.
	 */
	bool (*push_frame)(struct wall_source *source, const struct wall_frame *frame);

	/**
	 * Log a line, prefixed with the source's name. The last ERROR logged
	 * before create() returns NULL is shown on the tile's error slate.
	 * Any thread; the text is formatted and copied before it returns.
	 */
	void (*log)(struct wall_source *source, enum wall_log_level level,
		    const char *format, ...) __attribute__((format(printf, 3, 4)));

	/**
	 * The value of an option as text, or its default, or NULL when neither
	 * is set. PATH options come back resolved; JSON options as JSON text.
	 * Any thread (options never change under a running instance); the
	 * string lives as long as the instance.
	 */
	const char *(*config_string)(struct wall_source *source, const char *name);
	/** An INT or BOOL option (bools as 0/1), or its default, or fallback. Any thread. */
	int64_t (*config_int)(struct wall_source *source, const char *name, int64_t fallback);
	/** A DOUBLE or INT option, or its default, or fallback. Any thread. */
	double (*config_double)(struct wall_source *source, const char *name, double fallback);
	/** A DURATION option in milliseconds, or its default, or fallback. Any thread. */
	int64_t (*config_duration_ms)(struct wall_source *source, const char *name, int64_t fallback);
	/** A COLOR option as 0xAARRGGBB, or its default, or fallback. Any thread. */
	uint32_t (*config_color)(struct wall_source *source, const char *name, uint32_t fallback);

	/**
	 * Report the source's health. Tiles show a slate for every state but
	 * LIVE; reason (may be NULL) is shown under it, in the user's words:
	 * "connection refused", not an errno. Any thread; reason is copied.
	 */
	void (*set_state)(struct wall_source *source, enum wall_source_state state,
			  const char *reason);

	/**
	 * Publish a figure as "<source name>.<name>" for panels and stats.
	 * Any thread; name is copied.
	 */
	void (*publish_metric)(struct wall_source *source, const char *name, double value);

	/**
	 * Emit an event (type plus a JSON object as text) to subscribers
	 * (SUBSCRIBE), who get it at the next frame as
	 * {"event": "plugin", "source": <name>, "type": type, "data": json}.
	 * Text that is not one JSON object, or longer than 16 KiB, is
	 * refused and logged; beyond 64 events between two frames the rest
	 * are dropped. Any thread; both strings are copied before it returns.
	 */
	void (*emit_event)(struct wall_source *source, const char *type, const char *json);

	/**
	 * The source's name in the layout file. Any thread; the string lives
	 * as long as the instance.
	 */
	const char *(*source_name)(struct wall_source *source);

	/*
	 * Appended after ABI 1 first shipped: check WALL_HOST_HAS() before
	 * calling any field below.
	 */

	/**
	 * Read a figure published with publish_metric() by any source, or by
	 * the wall itself: "health.online_rate", "cam-01.fps". Any thread;
	 * it takes a short lock and never blocks on I/O. Returns true and
	 * stores the figure in *value; returns false, leaving *value alone,
	 * when nothing of that name was ever published.
	 */
	bool (*read_metric)(struct wall_source *source, const char *name, double *value);

	/**
	 * Read the JSON document last pushed under key (the control
	 * command "DATA <key> <json>"). Any thread; it takes a short lock
	 * and never blocks on I/O.
	 *
	 * Every push gives the key a new generation, never 0. When the
	 * key's generation equals known_generation the document is not
	 * copied and receive is not called. Otherwise receive(user, json,
	 * generation) is called once, on the caller's thread, before
	 * read_data returns; json is host memory valid only during that
	 * call, so the plugin copies what it keeps and never frees it.
	 * Pass 0 as known_generation to always receive the document.
	 * Returns false when nothing was ever pushed under key.
	 */
	bool (*read_data)(struct wall_source *source, const char *key, uint64_t known_generation,
			  void (*receive)(void *user, const char *json, uint64_t generation),
			  void *user);

	/**
	 * The absolute folder of the layout file that declares the source,
	 * for resolving relative paths the plugin finds inside options that
	 * are not of type PATH ("data: file:ranking.json"). NULL when the
	 * source did not come from a file. Any thread; the string lives as
	 * long as the instance.
	 */
	const char *(*layout_dir)(struct wall_source *source);

	/**
	 * Lay a picture over the tiles that show this source, stretched to
	 * each tile: a HUD, a map, figures that change on their own clock
	 * while the picture under them comes from a decoder. It is drawn over
	 * the source's frame, and over its slate when the frame is missing,
	 * so it stays readable while the video is offline. Only
	 * WALL_PIXEL_FORMAT_BGRA (premultiplied) is accepted; render it at
	 * the size set_view_size() gave. The newest overlay wins and stays
	 * until the next one; pass NULL to remove it. Ownership of the planes
	 * passes to the host as with push_frame(). Any thread. Returns false,
	 * after releasing the frame, when it is malformed or not BGRA.
	 */
	bool (*push_overlay)(struct wall_source *source, const struct wall_frame *frame);

	/**
	 * Memory for pictures that the host can show without copying them:
	 * a plugin that chooses where its pictures are drawn or decoded
	 * (libavcodec's get_buffer2) asks here first. Returns a buffer of at
	 * least size_bytes and stores its start, aligned to 64 bytes, in
	 * *data; or NULL when the host has none to give, and the plugin then
	 * uses memory of its own. A host whose plugins run in its own process
	 * gives none (the plugin's memory is the wall's there); an isolated
	 * plugin's host gives shared memory, up to a few dozen buffers.
	 *
	 * The plugin holds the buffer until release_buffer(). A frame pushed
	 * with every plane inside a held buffer is shown from it, with no
	 * copy; the plugin must not write the buffer from push_frame() until
	 * that frame's release callback. Any thread.
	 */
	void *(*acquire_buffer)(struct wall_source *source, size_t size_bytes, uint8_t **data);
	/**
	 * The plugin is done with buffer (from acquire_buffer()). Any thread,
	 * once per buffer; unlike the other services it may come after
	 * destroy(), from the release of a frame the host still held then.
	 */
	void (*release_buffer)(struct wall_source *source, void *buffer);
};

/** True when the host is new enough to offer the service named field. */
#define WALL_HOST_HAS(host, field)                                         \
	((host)->struct_size >= offsetof(struct wall_host, field) + sizeof((host)->field) && \
	 (host)->field != NULL)

/**
 * Callback that receives one status entry; see wall_plugin.status. key
 * and value are copied before it returns.
 */
typedef void (*wall_status_fn)(void *user, const char *key, const char *value);

/**
 * What a plugin exports. Fields are split into a required section, which
 * the loader checks, and an optional one, where NULL means "not offered".
 * New fields are only ever appended. The struct, and every string and
 * table it points to, must stay valid and unchanged while the plugin is
 * loaded: the host reads them from any thread (wall --help-plugin prints
 * them, the layout loader checks options on the control thread).
 */
struct wall_plugin {
	/** Must be WALL_PLUGIN_ABI_VERSION. */
	uint32_t abi_version;
	/**
	 * sizeof(struct wall_plugin) as the plugin was built. Smaller than
	 * the host's: the missing callbacks are taken as NULL. Larger: the
	 * plugin was built for a newer wall and is refused.
	 */
	uint32_t struct_size;
	/** Key used in layout files ("plugin: camera"). Required. */
	const char *name;
	/** One line for humans, shown by wall --list-plugins. */
	const char *description;
	/** Options, ended by an entry with name NULL; may be NULL for none. */
	const struct wall_option *options;

	/* Required. */

	/**
	 * Create an instance. Called on the render thread at scene set-up
	 * (and when a reload changes the source: the old instance is
	 * destroyed and a new one created); it must not block on the network
	 * or a decoder: start threads instead. host lives longer than the
	 * instance; source, and every string the host hands out for it, lives
	 * until destroy() returns. Returns the instance, owned by the plugin,
	 * or NULL after logging an ERROR that says why.
	 */
	void *(*create)(const struct wall_host *host, struct wall_source *source);
	/**
	 * Destroy an instance: stop its threads; after it returns the plugin
	 * must not call the host for this source again. Called on the render
	 * thread. Frames it pushed may still be held by the host and are
	 * released later through their callbacks, so their memory must not
	 * depend on the instance. Accepts NULL.
	 */
	void (*destroy)(void *instance);

	/* Optional. */

	/**
	 * A tile starts showing this source. Called on the render thread,
	 * between create() and destroy(); must not block.
	 */
	void (*show)(void *instance);
	/**
	 * No tile shows this source now; it may idle cheaply. Called on the
	 * render thread, also right after create() for a source kept warm
	 * for another preset; must not block.
	 */
	void (*hide)(void *instance);
	/**
	 * Report health as key/value text pairs through add(user, key, value),
	 * called as many times as there are pairs before status returns.
	 * Called on the render thread while it answers a STATUS command, so
	 * it must not block: report figures kept under a short lock.
	 */
	void (*status)(void *instance, wall_status_fn add, void *user);
	/**
	 * The largest on-screen size, in canvas pixels, of the tiles showing
	 * this source changed (scene change, enlarged tile). A source with a
	 * main and a sub stream picks one by it. Called on the render thread,
	 * after create() and before show(); must not block.
	 */
	void (*set_view_size)(void *instance, uint32_t width_px, uint32_t height_px);
	/**
	 * What the sources are, for the wall's figures: WALL_PLUGIN_KIND_CAMERA
	 * counts in the online rate and the camera inspection, whatever
	 * metrics the plugin publishes. 0 (WALL_PLUGIN_KIND_OTHER): not a camera.
	 */
	uint32_t kind;
};

enum wall_plugin_kind {
	WALL_PLUGIN_KIND_OTHER = 0,
	WALL_PLUGIN_KIND_CAMERA = 1,
};

/**
 * The one symbol a plugin exports. The declaration carries default
 * visibility, so a plugin built with -fvisibility=hidden (as the wall's
 * own are) still exports it by defining it. Called once, on the thread
 * that loads the plugin (render or control), right after dlopen(); it
 * must only return the plugin's static description.
 */
__attribute__((visibility("default"))) const struct wall_plugin *wall_plugin_entry(void);

#define WALL_PLUGIN_ENTRY_SYMBOL "wall_plugin_entry"

#ifdef __cplusplus
}
#endif

#endif
