/* The camera figures the command center checks every day. */
#include <glib.h>

#include "health.h"
#include "metrics.h"

static double metric(const char *name)
{
	double value = -1;
	g_assert_true(wall_metrics_get(name, &value));
	return value;
}

static void test_no_cameras(void)
{
	wall_metrics_clear();
	wall_metrics_set("panel-1.redraws", 3);
	struct wall_health_figures figures;
	wall_health_update(10, &figures);
	g_assert_cmpint(figures.cameras_total, ==, 0);
	g_assert_cmpfloat(metric("health.cameras_total"), ==, 0);
	double rate;
	g_assert_false(wall_metrics_get("health.online_rate", &rate));
}

static void test_rates(void)
{
	wall_metrics_clear();
	/* Two of four cameras live now; over 100 s they were live for
	 * 100 + 100 + 50 + 0 = 250 of 400 camera-seconds. */
	const char *names[] = {"a", "b", "c", "d"};
	const double online[] = {1, 1, 0, 0};
	const double online_s[] = {100, 100, 50, 0};
	for (int i = 0; i < 4; i++) {
		char *name = g_strdup_printf("%s.online", names[i]);
		wall_metrics_set(name, online[i]);
		g_free(name);
		name = g_strdup_printf("%s.online_s", names[i]);
		wall_metrics_set(name, online_s[i]);
		g_free(name);
	}
	struct wall_health_figures figures;
	wall_health_update(100, &figures);
	g_assert_cmpint(figures.cameras_total, ==, 4);
	g_assert_cmpint(figures.cameras_online, ==, 2);
	g_assert_cmpfloat_with_epsilon(figures.online_rate, 50.0, 1e-9);
	g_assert_cmpfloat_with_epsilon(figures.online_rate_by_time, 62.5, 1e-9);
	g_assert_cmpfloat(metric("health.cameras_total"), ==, 4);
	g_assert_cmpfloat(metric("health.cameras_online"), ==, 2);
	g_assert_cmpfloat_with_epsilon(metric("health.online_rate"), 50.0, 1e-9);
	g_assert_cmpfloat_with_epsilon(metric("health.online_rate_by_time"), 62.5, 1e-9);

	/* A camera comes back: the rate now follows at the next update, and
	 * the wall's own figures are never counted as cameras. */
	wall_metrics_set("c.online", 1);
	wall_health_update(100, &figures);
	g_assert_cmpint(figures.cameras_total, ==, 4);
	g_assert_cmpfloat_with_epsilon(figures.online_rate, 75.0, 1e-9);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/health/no-cameras", test_no_cameras);
	g_test_add_func("/health/rates", test_rates);
	return g_test_run();
}
