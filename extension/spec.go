package extension

import (
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/schedule"
)

// scheduleSpec turns a validated schedule of the routing file into a schedule.Spec.
func scheduleSpec(name string, s config.Schedule, timezone string) schedule.Spec {
	spec := schedule.Spec{Name: name, Timezone: timezone, Open: s.Open, Closed: s.Closed}
	spec.Default, _ = schedule.ParseState(s.Default) // config validated it; "" stays the default
	if s.Holidays != nil {
		spec.Holidays = schedule.Holidays{Calendars: s.Holidays.Calendars, Dates: s.Holidays.Dates}
		spec.Holidays.State, _ = schedule.ParseState(s.Holidays.State)
	}
	return spec
}
