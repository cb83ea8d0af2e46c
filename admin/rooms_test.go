package admin

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// sender sends authenticated requests to s, returning the status and body.
func sender(t *testing.T, s *Server) func(method, path, body string) (int, string) {
	return func(method, path, body string) (int, string) {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
}

// A room created through the API gets its members by invitation: the phone is rung into
// that room, as it is into the routing file's rooms; an unknown room or a bad endpoint is
// refused with the field named.
func TestInvitePhonesIntoRooms(t *testing.T) {
	s, fa := apiWithRooms(t)
	send := sender(t, s)
	if code, body := send("POST", "/api/rooms", `{"name":"Salle_2"}`); code != http.StatusCreated {
		t.Fatalf("create Salle_2: %d %s", code, body)
	}
	for _, room := range []string{"Salle_1", "Salle_2"} {
		if code, body := send("POST", "/api/rooms/"+room+"/invite", `{"endpoint":"PJSIP/2000"}`); code != http.StatusAccepted || !strings.Contains(body, `"channel": "orig-2"`) {
			t.Errorf("invite into %s: %d %s", room, code, body)
		}
	}
	if want := []string{"PJSIP/2000>Salle_1", "PJSIP/2000>Salle_2"}; !slices.Equal(fa.invited, want) {
		t.Errorf("rang %v, want %v", fa.invited, want)
	}
	for _, c := range []struct{ path, body, field string }{
		{"/api/rooms/Salle_9/invite", `{"endpoint":"PJSIP/2000"}`, "room"},
		{"/api/rooms/Salle_1/invite", `{"endpoint":"2000"}`, "endpoint"},
		{"/api/rooms/Salle_1/invite", `{"endpoint":"PJSIP/2000","timeout_seconds":-1}`, "timeout_seconds"},
	} {
		if code, body := send("POST", c.path, c.body); code/100 != 4 || !strings.Contains(body, `"field": "`+c.field+`"`) {
			t.Errorf("POST %s %s: %d %s, want a 4xx naming %s", c.path, c.body, code, body, c.field)
		}
	}
	if len(fa.invited) != 2 {
		t.Errorf("a refused invitation rang a phone: %v", fa.invited)
	}
}

// A room whose admin PIN is its PIN is refused with the field named (every caller typing
// the PIN would enter as an admin), and is not created.
func TestCreateRoomRefusesAdminPINEqualToPIN(t *testing.T) {
	s, _ := apiWithRooms(t)
	send := sender(t, s)
	code, body := send("POST", "/api/rooms", `{"name":"Salle_3","pin":"1234","admin_pin":"1234"}`)
	if code != http.StatusBadRequest || !strings.Contains(body, `"field": "admin_pin"`) {
		t.Errorf("create with admin_pin = pin: %d %s, want 400 naming admin_pin", code, body)
	}
	if code, body := send("GET", "/api/rooms/Salle_3", ""); code != http.StatusNotFound {
		t.Errorf("the refused room: %d %s, want 404", code, body)
	}
}
