/*
 * The headless backend: no window. For soft the renderer's canvas is the
 * output; for GL it is an EGL context with no surface at all, and the gl
 * renderer's canvas framebuffer is the output.
 */
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES3/gl3.h>
#include <glib.h>
#include <string.h>

#include "backend.h"
#include "log.h"

struct headless_backend {
	struct wall_backend base;
	enum wall_render_kind kind;
	EGLDisplay display;
	EGLContext context;
	/* Only on the fallback path, where surfaceless contexts are missing. */
	EGLSurface pbuffer;
};

static const struct wall_backend_impl headless_impl;

static struct headless_backend *headless_backend(struct wall_backend *backend)
{
	return (struct headless_backend *)backend;
}

/* True when the space-separated list has ext as a whole word. */
static bool has_extension(const char *list, const char *ext)
{
	size_t len = strlen(ext);
	for (const char *p = list; p != NULL && (p = strstr(p, ext)) != NULL; p += len) {
		bool starts = p == list || p[-1] == ' ';
		bool ends = p[len] == ' ' || p[len] == '\0';
		if (starts && ends) {
			return true;
		}
	}
	return false;
}

/*
 * Mesa's surfaceless platform renders with no window system at all, so it
 * works on a server with no X and on a render node. NULL when missing.
 */
static EGLDisplay surfaceless_display(void)
{
	const char *client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
	if (!has_extension(client, "EGL_MESA_platform_surfaceless") ||
	    !has_extension(client, "EGL_EXT_platform_base")) {
		return EGL_NO_DISPLAY;
	}
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_platform_display =
		(PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (get_platform_display == NULL) {
		return EGL_NO_DISPLAY;
	}
	EGLDisplay display =
		get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
	if (display != EGL_NO_DISPLAY && !eglInitialize(display, NULL, NULL)) {
		return EGL_NO_DISPLAY;
	}
	if (display != EGL_NO_DISPLAY &&
	    !has_extension(eglQueryString(display, EGL_EXTENSIONS),
			   "EGL_KHR_surfaceless_context")) {
		/* Left initialised: see headless_destroy() for why it is never terminated. */
		return EGL_NO_DISPLAY;
	}
	return display;
}

static bool init_gl(struct headless_backend *hb)
{
	bool surfaceless = true;
	hb->display = surfaceless_display();
	if (hb->display == EGL_NO_DISPLAY) {
		surfaceless = false;
		hb->display = eglGetDisplay(EGL_DEFAULT_DISPLAY);
		if (hb->display == EGL_NO_DISPLAY || !eglInitialize(hb->display, NULL, NULL)) {
			wall_error("headless: no EGL display (error 0x%04x)", eglGetError());
			hb->display = EGL_NO_DISPLAY;
			goto err_display;
		}
	}
	if (!eglBindAPI(EGL_OPENGL_ES_API)) {
		wall_error("headless: EGL cannot serve GL ES (error 0x%04x)", eglGetError());
		goto err_config;
	}

	const EGLint config_attribs[] = {
		EGL_SURFACE_TYPE, surfaceless ? 0 : EGL_PBUFFER_BIT,
		EGL_RENDERABLE_TYPE, EGL_OPENGL_ES3_BIT,
		EGL_RED_SIZE, 8,
		EGL_GREEN_SIZE, 8,
		EGL_BLUE_SIZE, 8,
		EGL_NONE,
	};
	EGLConfig config;
	EGLint count = 0;
	if (!eglChooseConfig(hb->display, config_attribs, &config, 1, &count) || count == 0) {
		wall_error("headless: EGL has no GL ES 3 configuration");
		goto err_config;
	}

	const EGLint context_attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_NONE};
	hb->context = eglCreateContext(hb->display, config, EGL_NO_CONTEXT, context_attribs);
	if (hb->context == EGL_NO_CONTEXT) {
		wall_error("headless: cannot create a GL ES 3 context (error 0x%04x)",
			   eglGetError());
		goto err_config;
	}

	if (!surfaceless) {
		/* Drivers without surfaceless contexts still need some surface to be current. */
		const EGLint pbuffer_attribs[] = {EGL_WIDTH, 1, EGL_HEIGHT, 1, EGL_NONE};
		hb->pbuffer = eglCreatePbufferSurface(hb->display, config, pbuffer_attribs);
		if (hb->pbuffer == EGL_NO_SURFACE) {
			wall_error("headless: cannot create a pbuffer (error 0x%04x)",
				   eglGetError());
			goto err_pbuffer;
		}
	}
	if (!eglMakeCurrent(hb->display, hb->pbuffer, hb->pbuffer, hb->context)) {
		wall_error("headless: cannot make the GL context current (error 0x%04x)",
			   eglGetError());
		goto err_current;
	}
	hb->base.gl_renderer_name = (const char *)glGetString(GL_RENDERER);
	return true;

err_current:
	if (hb->pbuffer != EGL_NO_SURFACE) {
		eglDestroySurface(hb->display, hb->pbuffer);
		hb->pbuffer = EGL_NO_SURFACE;
	}
err_pbuffer:
	eglDestroyContext(hb->display, hb->context);
	hb->context = EGL_NO_CONTEXT;
err_config:
	hb->display = EGL_NO_DISPLAY;
err_display:
	return false;
}

static bool headless_init(struct wall_backend *backend, enum wall_render_kind kind)
{
	struct headless_backend *hb = headless_backend(backend);
	hb->kind = kind;
	switch (kind) {
	case WALL_RENDER_SOFT:
		return true;
	case WALL_RENDER_GL:
		return init_gl(hb);
	case WALL_RENDER_INVALID:
		break;
	}
	wall_error("headless: unknown renderer kind %d", (int)kind);
	return false;
}

static bool headless_present(struct wall_backend *backend, struct wall_renderer *renderer)
{
	struct headless_backend *hb = headless_backend(backend);
	if (hb->kind == WALL_RENDER_GL) {
		/* Nothing to show: make sure the canvas is drawn, for screenshots and timing. */
		glFlush();
	}
	return true;
}

static bool headless_dispatch(struct wall_backend *backend)
{
	return true;
}

static void headless_destroy(struct wall_backend *backend)
{
	struct headless_backend *hb = headless_backend(backend);
	if (hb->display != EGL_NO_DISPLAY) {
		eglMakeCurrent(hb->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
		if (hb->pbuffer != EGL_NO_SURFACE) {
			eglDestroySurface(hb->display, hb->pbuffer);
		}
		eglDestroyContext(hb->display, hb->context);
		/*
		 * No eglTerminate(): an EGLDisplay is one per platform and process,
		 * shared with anyone else who opened it (SDL's offscreen driver
		 * does), and terminating it would pull it out from under them.
		 * EGL frees it at exit.
		 */
		eglReleaseThread();
	}
	g_free(hb);
}

static const struct wall_backend_impl headless_impl = {
	.name = "headless",
	.init = headless_init,
	.present = headless_present,
	.dispatch = headless_dispatch,
	.destroy = headless_destroy,
	.take_key = NULL,
};

struct wall_backend *wall_headless_backend_create(const struct wall_backend_options *options)
{
	struct headless_backend *hb = g_new0(struct headless_backend, 1);
	hb->base.impl = &headless_impl;
	hb->base.options = *options;
	hb->base.has_vsync = false;
	hb->base.refresh_hz = options->fps > 0 ? options->fps : 60.0;
	hb->display = EGL_NO_DISPLAY;
	hb->context = EGL_NO_CONTEXT;
	hb->pbuffer = EGL_NO_SURFACE;
	return &hb->base;
}
