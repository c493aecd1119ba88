#include "input.h"

#include <errno.h>
#include <glib.h>
#include <libinput.h>
#include <libudev.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

struct wall_input {
	struct libinput *li;
	struct udev *udev;
	/* Opens the devices: through its seat (kms), else the files themselves. */
	struct wall_backend *backend;
};

static int open_restricted(const char *path, int flags, void *user)
{
	struct wall_input *input = user;
	int fd = wall_kms_backend_open_device(input->backend, path, flags);
	if (fd < 0) {
		int error = errno != 0 ? errno : EACCES;
		wall_warning("input: cannot open %s: %s", path, strerror(error));
		return -error;
	}
	return fd;
}

static void close_restricted(int fd, void *user)
{
	struct wall_input *input = user;
	wall_kms_backend_close_device(input->backend, fd);
}

static const struct libinput_interface interface = {
        .open_restricted = open_restricted,
        .close_restricted = close_restricted,
};

/* Only keys matter here; libinput's own chatter goes to the debug log. */
static void quiet_log(struct libinput *li, enum libinput_log_priority priority, const char *format,
                      va_list args)
{
	(void)li;
	if (priority >= LIBINPUT_LOG_PRIORITY_ERROR) {
		char *text = g_strdup_vprintf(format, args);
		wall_warning("input: %s", g_strchomp(text));
		g_free(text);
	}
}

/* A udev daemon keeps its control socket here; without one, nobody
 * announces devices and the path backend must list them. */
static bool udev_daemon_running(void)
{
	return access("/run/udev/control", F_OK) == 0;
}

/* Every /dev/input/event* with keys; libinput drops the others at once. */
static void add_event_devices(struct wall_input *input)
{
	GDir *dir = g_dir_open("/dev/input", 0, NULL);
	if (dir == NULL) {
		return;
	}
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_prefix(name, "event")) {
			g_ptr_array_add(paths, g_build_filename("/dev/input", name, NULL));
		}
	}
	g_dir_close(dir);
	g_ptr_array_sort(paths, (GCompareFunc)g_strcmp0);
	for (guint i = 0; i < paths->len; i++) {
		struct libinput_device *device =
		        libinput_path_add_device(input->li, paths->pdata[i]);
		if (device != NULL &&
		    !libinput_device_has_capability(device, LIBINPUT_DEVICE_CAP_KEYBOARD)) {
			libinput_path_remove_device(device);
		}
	}
	g_ptr_array_unref(paths);
}

/* Says which devices are read: once at start, then as they come and go. */
static void note_device(struct libinput_event *event, GString *names, int *count)
{
	struct libinput_device *device = libinput_event_get_device(event);
	if (!libinput_device_has_capability(device, LIBINPUT_DEVICE_CAP_KEYBOARD)) {
		return;
	}
	const char *name = libinput_device_get_name(device);
	bool added = libinput_event_get_type(event) == LIBINPUT_EVENT_DEVICE_ADDED;
	if (names != NULL && added) {
		g_string_append_printf(names, "%s%s", names->len > 0 ? ", " : "", name);
		(*count)++;
	} else {
		wall_info("input: %s %s", name, added ? "plugged in" : "gone");
	}
}

struct wall_input *wall_input_create(struct wall_backend *backend)
{
	struct wall_input *input = g_new0(struct wall_input, 1);
	input->backend = backend;
	bool udev = udev_daemon_running();
	if (udev) {
		input->udev = udev_new();
		input->li = input->udev != NULL
		                    ? libinput_udev_create_context(&interface, input, input->udev)
		                    : NULL;
		if (input->li != NULL && libinput_udev_assign_seat(input->li, "seat0") != 0) {
			libinput_unref(input->li);
			input->li = NULL;
		}
	} else {
		input->li = libinput_path_create_context(&interface, input);
	}
	if (input->li == NULL) {
		wall_warning("input: libinput cannot start; no keys will be read");
		wall_input_destroy(input);
		return NULL;
	}
	libinput_log_set_handler(input->li, quiet_log);
	if (!udev) {
		add_event_devices(input);
	}
	/* The devices found so far are announced at once, as events. */
	libinput_dispatch(input->li);
	GString *names = g_string_new(NULL);
	int count = 0;
	struct libinput_event *event;
	while ((event = libinput_get_event(input->li)) != NULL) {
		if (libinput_event_get_type(event) == LIBINPUT_EVENT_DEVICE_ADDED) {
			note_device(event, names, &count);
		}
		libinput_event_destroy(event);
	}
	wall_info("input: reading %d device%s%s%s (libinput, %s)", count, count == 1 ? "" : "s",
	          count > 0 ? ": " : "", names->str,
	          udev ? "udev" : "no udev daemon: the event devices there are now");
	g_string_free(names, TRUE);
	return input;
}

void wall_input_destroy(struct wall_input *input)
{
	if (input == NULL) {
		return;
	}
	if (input->li != NULL) {
		libinput_unref(input->li);
	}
	if (input->udev != NULL) {
		udev_unref(input->udev);
	}
	g_free(input);
}

bool wall_input_take_key(struct wall_input *input, struct wall_key *key)
{
	if (input == NULL) {
		return false;
	}
	libinput_dispatch(input->li);
	struct libinput_event *event;
	while ((event = libinput_get_event(input->li)) != NULL) {
		enum libinput_event_type type = libinput_event_get_type(event);
		bool found = false;
		if (type == LIBINPUT_EVENT_KEYBOARD_KEY) {
			struct libinput_event_keyboard *k =
			        libinput_event_get_keyboard_event(event);
			if (libinput_event_keyboard_get_key_state(k) ==
			    LIBINPUT_KEY_STATE_PRESSED) {
				key->code = (int)libinput_event_keyboard_get_key(k);
				g_snprintf(
				        key->peer, sizeof(key->peer), "input:%s",
				        libinput_device_get_name(libinput_event_get_device(event)));
				found = true;
			}
		} else if (type == LIBINPUT_EVENT_DEVICE_ADDED ||
		           type == LIBINPUT_EVENT_DEVICE_REMOVED) {
			note_device(event, NULL, NULL);
		}
		libinput_event_destroy(event);
		if (found) {
			return true;
		}
	}
	return false;
}

void wall_input_suspend(struct wall_input *input)
{
	if (input != NULL) {
		libinput_suspend(input->li);
	}
}

void wall_input_resume(struct wall_input *input)
{
	if (input != NULL && libinput_resume(input->li) != 0) {
		wall_warning("input: cannot take the devices back; keys may not be read");
	}
}
