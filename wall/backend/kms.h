/*
 * The kms backend's parts, private to wall/backend/kms*.c: cards, their
 * outputs, and the pieces the soft (dumb buffers) and gl (GBM + EGL)
 * paths share. Everything runs on the render thread.
 */
#ifndef WALL_KMS_H
#define WALL_KMS_H

#include <EGL/egl.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "backend.h"
#include "outputs.h"

#define KMS_BUFFERS 3

struct gbm_device;
struct gbm_surface;
struct gbm_bo;
struct kms_session;
struct wall_input;

/** A scanout buffer of soft: a dumb buffer, mapped. gl's are GBM's (kms_gl.c). */
struct kms_buffer {
	uint32_t fb_id;
	/** Dumb buffers only. */
	uint32_t handle;
	uint8_t *map;
	size_t size;
	uint32_t stride;
	/** Frame number last drawn into it; 0 for never. */
	uint64_t drawn_frame;
};

struct kms_card;

struct kms_output {
	struct kms_card *card;
	char name[32];
	uint32_t connector_id;
	/** Where the layout puts it; planned false: it stays dark. */
	struct wall_output_plan plan;
	bool planned;
	/** Its place among the connected connectors at start, for default cells. */
	size_t connected_index;
	/** Its CRTC is taken (crtc_index in card->crtcs_used), lit or not. */
	bool owns_crtc;
	/** Lit again after a hotplug event or a remap at this time, until its modeset says so. */
	int64_t light_asked_us;
	/** The part of the canvas it shows: plan.rect cut to the mode. */
	struct wall_rect crop;
	bool lit;
	/** Lit but not yet modeset: the first present sets the mode with its picture. */
	bool needs_modeset;
	int crtc_index;
	uint32_t crtc_id;
	uint32_t plane_id;
	drmModeModeInfo mode;
	uint32_t mode_blob;
	/** The CRTC as it was before the wall, restored on exit. */
	drmModeCrtc *saved_crtc;
	bool flip_pending;
	/** The frame last presented, so a frame presents each output once. */
	uint64_t presented_frame;
	/** A modeset or flip failed and was logged; the next success says so. */
	bool failing;
	/** After a failed modeset, the next try waits until then. */
	int64_t retry_us;
	uint64_t flips;
	int64_t lit_us;
	/* soft: KMS_BUFFERS dumb buffers; back is drawn, front is newest shown. */
	struct kms_buffer buffers[KMS_BUFFERS];
	int back;
	int newest;
	/**
	 * soft, for a planned output not lit yet: memory holding its part of
	 * the canvas (plan.rect), drawn like the others, so that a monitor
	 * plugged in later starts with the whole picture.
	 */
	uint8_t *shadow;
	/** Damage of the last KMS_BUFFERS frames, to bring an old buffer up to date. */
	GArray *damage[KMS_BUFFERS];
	uint64_t damage_frame[KMS_BUFFERS];
	/* gl */
	struct gbm_surface *gbm_surface;
	EGLSurface egl_surface;
	struct gbm_bo *shown_bo;
	struct gbm_bo *pending_bo;
	/* atomic property ids */
	uint32_t prop_conn_crtc_id;
	uint32_t prop_crtc_mode_id;
	uint32_t prop_crtc_active;
	uint32_t prop_plane_fb_id;
	uint32_t prop_plane_crtc_id;
	uint32_t prop_plane_src[4];
	uint32_t prop_plane_crtc[4];
};

struct kms_card {
	char *path;
	int fd;
	/** libseat's device id, or -1 when opened directly. */
	int device_id;
	bool atomic;
	char *driver;
	/** struct kms_output *, connector order. */
	GPtrArray *outputs;
	/** CRTCs taken by outputs of this card, by index. */
	uint32_t crtcs_used;
	struct gbm_device *gbm;
};

struct kms_backend {
	struct wall_backend base;
	enum wall_render_kind kind;
	struct kms_session *session;
	/** struct kms_card *. */
	GPtrArray *cards;
	uint64_t frame;
	bool logged_first_flip;
	int64_t started_us;
	/** struct wall_soft_target, one per lit output, handed to the soft renderer. */
	GArray *targets;
	struct wall_renderer *soft_renderer;
	/** Keyboards, keypads and remotes; NULL when libinput could not start. */
	struct wall_input *input;
	/* hotplug */
	struct udev *udev;
	struct udev_monitor *monitor;
	/* gl */
	EGLDisplay egl_display;
	EGLConfig egl_config;
	EGLContext egl_context;
	/** Devices opened for others (input): fd to libseat's device id. */
	GHashTable *devices;
	/** Set while the session is away (VT switch): nothing is drawn or flipped. */
	bool paused;
};

/* kms.c */
/** /dev/dri/card0, card1, … in number order ($WALL_KMS_DRI_DIR for another folder). */
GPtrArray *wall_kms_card_paths(void);
/** True when the environment variable is set, not empty and not "0". */
bool kms_env_flag(const char *name);
/** Connected connectors on these cards. */
size_t kms_count_connected(GPtrArray *paths);
bool kms_card_probe(struct kms_card *card, const struct wall_layout *layout, bool connected,
                    size_t *index);
bool kms_pick_mode(const drmModeConnector *connector, const struct wall_mode_request *want,
                   drmModeModeInfo *mode, const char *name);
double kms_mode_hz(const drmModeModeInfo *mode);
void kms_connector_name(const drmModeConnector *connector, char *name, size_t size);

/* kms_drm.c */
uint32_t kms_find_primary_plane(int fd, int crtc_index);
/** The atomic property ids of o's connector, CRTC and plane; false when some is missing. */
bool kms_find_props(struct kms_output *o);
/** A free CRTC index this connector can drive, the one it has now first; -1 for none. */
int kms_pick_crtc(struct kms_card *card, const drmModeRes *res, const drmModeConnector *conn);
/** A mapped XRGB8888 dumb buffer with its framebuffer, filled black. */
bool kms_dumb_create(int fd, uint32_t width, uint32_t height, struct kms_buffer *buf);
void kms_dumb_destroy(int fd, struct kms_buffer *buf);
/** Milliseconds since this process started; -1 when unknown. */
double kms_process_age_ms(void);
/** Log a failure of o once, until kms_output_works(). */
void kms_output_failed(struct kms_output *o, const char *what, const char *why);
void kms_output_works(struct kms_output *o);
/** Set o's mode showing fb_id (blocking): atomic, else legacy. */
bool kms_modeset(struct kms_output *o, uint32_t fb_id);
/** Flip o to fb_id at the next blank, with an event; o->flip_pending until it lands. */
bool kms_flip(struct kms_output *o, uint32_t fb_id);
/** Turn o's CRTC off (blocking). */
bool kms_disable(struct kms_output *o);
/** Wait until no output has a flip in flight (at most a second). */
void kms_wait_flips(struct kms_backend *kb);

/* kms_output.c */
void kms_output_free_buffers(struct kms_backend *kb, struct kms_output *o);
bool kms_output_has_buffers(const struct kms_output *o);
/** soft: a planned output with nothing to draw into gets memory for its part. */
void kms_output_give_shadow(struct kms_backend *kb, struct kms_output *o);
/** Show fb_id on o: the first time with its mode, then as a page flip. */
bool kms_output_show(struct kms_backend *kb, struct kms_output *o, uint32_t fb_id);
/** Light what is connected and planned, darken what went away. */
void kms_card_reprobe(struct kms_backend *kb, struct kms_card *card, bool startup);
/** Show each output's part of layout's mapping; outputs whose part changed are lit anew. */
bool kms_remap(struct kms_backend *kb, const struct wall_layout *layout);
/** Hand the soft renderer each output's back buffer, brought up to date. */
void kms_set_targets(struct kms_backend *kb);
/** Record this frame's damage for o and show its back buffer. */
void kms_output_present_soft(struct kms_backend *kb, struct kms_output *o,
                             const struct wall_rect *damage, size_t count);

/* kms_gl.c */
bool kms_gl_init(struct kms_backend *kb);
/** True when the GL context draws to card's buffers; else outputs there are read back. */
bool kms_gl_draws_on(struct kms_backend *kb, const struct kms_card *card);
bool kms_gl_output_start(struct kms_backend *kb, struct kms_output *output);
/** An output on another card: its crop read back into its dumb buffer and shown. */
void kms_gl_output_read(struct kms_backend *kb, struct kms_output *o,
                        struct wall_renderer *renderer);
void kms_gl_output_stop(struct kms_backend *kb, struct kms_output *output);
/** Blit the output's crop of the canvas and swap; the newest bo becomes pending_bo. */
bool kms_gl_output_draw(struct kms_backend *kb, struct kms_output *output,
                        struct wall_renderer *renderer, uint32_t *fb_id);
void kms_gl_finish(struct kms_backend *kb);
void kms_gl_flip_done(struct kms_output *output);

/* kms_session.c: libseat when it can, else the device itself (root). */
struct kms_session *kms_session_open(void);
/** Handle session events; returns false while the session is not ours (VT away). */
bool kms_session_dispatch(struct kms_session *session, bool *changed);
/** Opened directly: drop master and let a switch away asked for go on (flips done). */
void kms_session_let_go(struct kms_session *session);
int kms_session_open_device(struct kms_session *session, const char *path, int *device_id);
void kms_session_close_device(struct kms_session *session, int fd, int device_id);
void kms_session_close(struct kms_session *session);

#endif
