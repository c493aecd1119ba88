/*
 * The one value grammar (common/value.c) that layouts, plugin option
 * defaults, control commands and wallctl share.
 */
#include <glib.h>

#include "value.h"

static void test_color(void)
{
	uint32_t argb;
	g_assert_true(wall_parse_color("#3a4a5a", &argb));
	g_assert_cmphex(argb, ==, 0xff3a4a5a);
	g_assert_true(wall_parse_color("#3A4A5A80", &argb));
	g_assert_cmphex(argb, ==, 0x803a4a5a);
	g_assert_false(wall_parse_color("3a4a5a", &argb));
	g_assert_false(wall_parse_color("#3a4a5g", &argb));
	g_assert_false(wall_parse_color("#3a4a", &argb));
}

static void test_duration(void)
{
	int64_t ms;
	g_assert_true(wall_parse_duration_ms("250ms", &ms));
	g_assert_cmpint(ms, ==, 250);
	g_assert_true(wall_parse_duration_ms("3s", &ms));
	g_assert_cmpint(ms, ==, 3000);
	g_assert_true(wall_parse_duration_ms("2m", &ms));
	g_assert_cmpint(ms, ==, 120000);
	g_assert_true(wall_parse_duration_ms("1h", &ms));
	g_assert_cmpint(ms, ==, 3600000);
	g_assert_true(wall_parse_duration_ms("1.5", &ms));
	g_assert_cmpint(ms, ==, 1500);
	g_assert_false(wall_parse_duration_ms("-1s", &ms));
	g_assert_false(wall_parse_duration_ms("3 s", &ms));
	g_assert_false(wall_parse_duration_ms("soon", &ms));
	g_assert_false(wall_parse_duration_ms("0x10", &ms));
	/* Units in any case, as the control protocol always took them. */
	g_assert_true(wall_parse_duration_ms("3S", &ms));
	g_assert_cmpint(ms, ==, 3000);
	g_assert_true(wall_parse_duration_ms(".5s", &ms));
	g_assert_cmpint(ms, ==, 500);
	/* Days, for spans of history kept (wall.inspection.keep: 90d). */
	g_assert_true(wall_parse_duration_ms("90d", &ms));
	g_assert_cmpint(ms, ==, 90LL * 86400000);
	g_assert_false(wall_parse_duration_ms("1w", &ms));
	g_assert_false(wall_parse_duration_ms("366d", &ms));
	g_assert_false(wall_parse_duration_ms("9000h", &ms));
	g_assert_false(wall_parse_duration_ms("inf", &ms));
	/* A bare number in another unit, as TRANSITION's milliseconds. */
	g_assert_true(wall_parse_duration_in("400", 1, &ms));
	g_assert_cmpint(ms, ==, 400);
	g_assert_true(wall_parse_duration_in("1.5s", 1, &ms));
	g_assert_cmpint(ms, ==, 1500);
}

static void test_bool(void)
{
	bool value;
	g_assert_true(wall_parse_bool("yes", &value) && value);
	g_assert_true(wall_parse_bool("Off", &value) && !value);
	g_assert_false(wall_parse_bool("1", &value));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/value/color", test_color);
	g_test_add_func("/value/duration", test_duration);
	g_test_add_func("/value/bool", test_bool);
	return g_test_run();
}
