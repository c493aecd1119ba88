#include "compositor_events.h"

JsonBuilder *compositor_event_begin(const char *name)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "event");
	json_builder_add_string_value(builder, name);
	return builder;
}

void compositor_event_end(GPtrArray *events, JsonBuilder *builder)
{
	json_builder_end_object(builder);
	g_ptr_array_add(events, wall_json_finish(builder));
}
