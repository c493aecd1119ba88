/*
 * Who may open the cards: libseat when a seat manager answers (seatd or
 * logind, so a plain user in a systemd unit on a VT can run the wall),
 * else the device files themselves, which takes root or the video group.
 * Through libseat, a VT switch takes the cards away (drm master dropped)
 * and gives them back; the backend pauses in between. Opened directly,
 * the wall follows the switches of its virtual terminal itself: with
 * VT_PROCESS the kernel asks (SIGUSR1) before it switches away and says
 * (SIGUSR2) when it switches back; the wall stops flipping, drops master
 * and lets the switch go on, then takes master back and sets its modes.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <libseat.h>
#include <linux/vt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kms.h"
#include "log.h"

struct kms_session {
	struct libseat *seat;
	bool active;
	bool changed;
	/* Opened directly: the virtual terminal followed, or -1. */
	int tty_fd;
	int vt;
	/** The kernel waits for kms_session_let_go() to switch away. */
	bool release_pending;
	/** int fds opened directly, for master on a VT switch. */
	GArray *fds;
};

/* Set by the kernel's VT signals, read by the render thread's dispatch. */
static volatile sig_atomic_t vt_release_asked;
static volatile sig_atomic_t vt_acquire_asked;

static void on_vt_release(int signal)
{
	vt_release_asked = 1;
}

static void on_vt_acquire(int signal)
{
	vt_acquire_asked = 1;
}

/*
 * The virtual terminal shown now becomes the wall's: switches away from it
 * wait for the wall to let go. Without one (a serial console, a
 * container) the wall keeps the cards whatever happens.
 */
static void vt_follow(struct kms_session *session)
{
	int tty0 = open("/dev/tty0", O_RDWR | O_CLOEXEC | O_NOCTTY);
	struct vt_stat state = {0};
	if (tty0 < 0 || ioctl(tty0, VT_GETSTATE, &state) != 0) {
		wall_info("kms: no virtual terminal (/dev/tty0: %s); VT switches are not followed",
		          strerror(errno));
		if (tty0 >= 0) {
			close(tty0);
		}
		return;
	}
	close(tty0);
	char path[32];
	snprintf(path, sizeof(path), "/dev/tty%d", state.v_active);
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		wall_warning("kms: cannot open %s: %s; VT switches are not followed", path,
		             strerror(errno));
		return;
	}
	/* No SA_RESTART needed: the render thread reads the flags each frame
	 * and its waits go on after an interruption. */
	struct sigaction action = {.sa_handler = on_vt_release};
	sigemptyset(&action.sa_mask);
	sigaction(SIGUSR1, &action, NULL);
	action.sa_handler = on_vt_acquire;
	sigaction(SIGUSR2, &action, NULL);
	struct vt_mode mode = {.mode = VT_PROCESS, .relsig = SIGUSR1, .acqsig = SIGUSR2};
	if (ioctl(fd, VT_SETMODE, &mode) != 0) {
		wall_warning("kms: cannot follow switches of %s: %s", path, strerror(errno));
		signal(SIGUSR1, SIG_DFL);
		signal(SIGUSR2, SIG_DFL);
		close(fd);
		return;
	}
	session->tty_fd = fd;
	session->vt = state.v_active;
	wall_info("kms: following switches away from virtual terminal %d", session->vt);
}

static void vt_unfollow(struct kms_session *session)
{
	if (session->tty_fd < 0) {
		return;
	}
	/* The console switches by itself again, as before the wall. */
	struct vt_mode mode = {.mode = VT_AUTO};
	ioctl(session->tty_fd, VT_SETMODE, &mode);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	close(session->tty_fd);
	session->tty_fd = -1;
}

/* Master of every card opened directly: taken back (true) or dropped. */
static void set_master(struct kms_session *session, bool master)
{
	for (guint i = 0; i < session->fds->len; i++) {
		int fd = g_array_index(session->fds, int, i);
		if (drmGetNodeTypeFromFd(fd) != DRM_NODE_PRIMARY) {
			continue;
		}
		if ((master ? drmSetMaster(fd) : drmDropMaster(fd)) != 0) {
			wall_warning("kms: cannot %s display master: %s",
			             master ? "take back" : "drop", strerror(errno));
		}
	}
}

/* Read the VT signals: a switch away asked, or one back done. */
static void vt_dispatch(struct kms_session *session)
{
	if (vt_release_asked && session->active && !session->release_pending) {
		vt_release_asked = 0;
		session->active = false;
		session->changed = true;
		session->release_pending = true;
	}
	if (vt_acquire_asked && !session->release_pending) {
		vt_acquire_asked = 0;
		ioctl(session->tty_fd, VT_RELDISP, VT_ACKACQ);
		set_master(session, true);
		if (!session->active) {
			session->active = true;
			session->changed = true;
		}
	}
}

static void on_enable(struct libseat *seat, void *data)
{
	struct kms_session *session = data;
	session->active = true;
	session->changed = true;
}

static void on_disable(struct libseat *seat, void *data)
{
	struct kms_session *session = data;
	session->active = false;
	session->changed = true;
	/* Tell the seat manager we let go: it may switch VT now. */
	libseat_disable_seat(seat);
}

static struct libseat_seat_listener listener = {
        .enable_seat = on_enable,
        .disable_seat = on_disable,
};

static void quiet_libseat(enum libseat_log_level level, const char *format, va_list args)
{
	if (level == LIBSEAT_LOG_LEVEL_ERROR) {
		char *text = g_strdup_vprintf(format, args);
		wall_debug("libseat: %s", text);
		g_free(text);
	}
}

struct kms_session *kms_session_open(void)
{
	struct kms_session *session = g_new0(struct kms_session, 1);
	session->active = true;
	session->tty_fd = -1;
	session->fds = g_array_new(FALSE, FALSE, sizeof(int));
	if (kms_env_flag("WALL_KMS_NO_LIBSEAT")) {
		wall_info("kms: opening the cards directly (WALL_KMS_NO_LIBSEAT)");
		vt_follow(session);
		return session;
	}
	libseat_set_log_handler(quiet_libseat);
	libseat_set_log_level(LIBSEAT_LOG_LEVEL_ERROR);
	session->seat = libseat_open_seat(&listener, session);
	if (session->seat == NULL) {
		wall_info("kms: no seat manager answered; opening the cards directly");
		vt_follow(session);
		return session;
	}
	/* The seat is usable once enabled; libseat says so on its first dispatch. */
	session->active = false;
	for (int i = 0; i < 20 && !session->active; i++) {
		if (libseat_dispatch(session->seat, 100) < 0) {
			break;
		}
	}
	session->changed = false;
	wall_info("kms: seat %s through libseat%s", libseat_seat_name(session->seat),
	          session->active ? "" : " (not active yet)");
	return session;
}

bool kms_session_dispatch(struct kms_session *session, bool *changed)
{
	if (session->seat != NULL) {
		libseat_dispatch(session->seat, 0);
	} else if (session->tty_fd >= 0) {
		vt_dispatch(session);
	}
	*changed = session->changed;
	session->changed = false;
	return session->active;
}

int kms_session_open_device(struct kms_session *session, const char *path, int *device_id)
{
	*device_id = -1;
	if (session->seat != NULL) {
		int fd = -1;
		int id = libseat_open_device(session->seat, path, &fd);
		if (id >= 0) {
			*device_id = id;
			return fd;
		}
		wall_warning("kms: libseat cannot open %s: %s; trying it directly", path,
		             strerror(errno));
	}
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		wall_warning("kms: cannot open %s: %s", path, strerror(errno));
	} else {
		g_array_append_val(session->fds, fd);
	}
	return fd;
}

void kms_session_let_go(struct kms_session *session)
{
	if (!session->release_pending) {
		return;
	}
	session->release_pending = false;
	set_master(session, false);
	/* The switch away goes on now. */
	ioctl(session->tty_fd, VT_RELDISP, 1);
}

void kms_session_close_device(struct kms_session *session, int fd, int device_id)
{
	if (session != NULL && session->seat != NULL && device_id >= 0) {
		libseat_close_device(session->seat, device_id);
	}
	for (guint i = 0; session != NULL && i < session->fds->len; i++) {
		if (g_array_index(session->fds, int, i) == fd) {
			g_array_remove_index_fast(session->fds, i);
			break;
		}
	}
	if (fd >= 0) {
		close(fd);
	}
}

void kms_session_close(struct kms_session *session)
{
	if (session == NULL) {
		return;
	}
	if (session->seat != NULL) {
		libseat_close_seat(session->seat);
	}
	/* A switch asked for while the wall was stopping goes on. */
	if (session->release_pending) {
		ioctl(session->tty_fd, VT_RELDISP, 1);
	}
	vt_unfollow(session);
	g_array_unref(session->fds);
	g_free(session);
}
