/* Running under systemd: READY=1 after the first frame, WATCHDOG=1 from
 * the frame loop at half the watchdog period, through a real notify socket. */
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "service.h"

static char *receive(GSocket *socket)
{
	char buffer[256];
	GError *error = NULL;
	g_assert_true(
	        g_socket_condition_timed_wait(socket, G_IO_IN, 5 * G_USEC_PER_SEC, NULL, &error));
	gssize n = g_socket_receive(socket, buffer, sizeof(buffer) - 1, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(n, >, 0);
	return g_strndup(buffer, (gsize)n);
}

static bool nothing_waiting(GSocket *socket)
{
	return g_socket_condition_check(socket, G_IO_IN) == 0;
}

static void test_notify(void)
{
	char *dir = g_dir_make_tmp("wall-notify-XXXXXX", NULL);
	char *path = g_build_filename(dir, "notify", NULL);
	GError *error = NULL;
	GSocket *socket = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
	                               G_SOCKET_PROTOCOL_DEFAULT, &error);
	g_assert_no_error(error);
	GSocketAddress *address = g_unix_socket_address_new(path);
	g_assert_true(g_socket_bind(socket, address, FALSE, &error));
	g_assert_no_error(error);

	g_setenv("NOTIFY_SOCKET", path, TRUE);
	g_setenv("WATCHDOG_USEC", "2000000", TRUE);
	char *pid = g_strdup_printf("%d", (int)getpid());
	g_setenv("WATCHDOG_PID", pid, TRUE);

	struct wall_service service;
	wall_service_init(&service);
	g_assert_cmpint(service.watchdog_period_us, ==, 1000000);
	int64_t t0 = 5 * G_USEC_PER_SEC;
	wall_service_frame(&service, t0);
	char *text = receive(socket);
	g_assert_nonnull(strstr(text, "READY=1"));
	g_free(text);
	/* Within half a period: nothing more. */
	wall_service_frame(&service, t0 + 400000);
	g_usleep(100000);
	g_assert_true(nothing_waiting(socket));
	wall_service_frame(&service, t0 + 1000000);
	text = receive(socket);
	g_assert_cmpstr(text, ==, "WATCHDOG=1");
	g_free(text);
	wall_service_stopping(&service);
	text = receive(socket);
	g_assert_cmpstr(text, ==, "STOPPING=1");
	g_free(text);

	/* Outside systemd nothing is sent and nothing fails. */
	g_unsetenv("NOTIFY_SOCKET");
	g_unsetenv("WATCHDOG_USEC");
	g_unsetenv("WATCHDOG_PID");
	wall_service_init(&service);
	g_assert_cmpint(service.watchdog_period_us, ==, 0);
	wall_service_frame(&service, t0);
	wall_service_frame(&service, t0 + 60 * G_USEC_PER_SEC);
	g_usleep(100000);
	g_assert_true(nothing_waiting(socket));

	g_object_unref(address);
	g_object_unref(socket);
	g_unlink(path);
	g_rmdir(dir);
	g_free(pid);
	g_free(path);
	g_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/service/notify", test_notify);
	return g_test_run();
}
