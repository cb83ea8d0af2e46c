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

// A room's PINs are what a caller can type: 1 to 16 digits, ended by #. Anything else is
// refused naming its field, and no room is made that nobody could enter.
func TestCreateRoomPINsAreDigitsCallersCanType(t *testing.T) {
	s, _ := apiWithRooms(t)
	send := sender(t, s)
	for _, tc := range []struct{ body, field string }{
		{`{"name":"R1","pin":"12#"}`, "pin"},
		{`{"name":"R2","pin":"*1"}`, "pin"},
		{`{"name":"R3","pin":"12345678901234567"}`, "pin"},
		{`{"name":"R4","pin":"1234","admin_pin":"99#"}`, "admin_pin"},
		{`{"name":"R5","admin_pin":"` + strings.Repeat("9", 17) + `"}`, "admin_pin"},
	} {
		code, body := send("POST", "/api/rooms", tc.body)
		if code != http.StatusBadRequest || !strings.Contains(body, `"field": "`+tc.field+`"`) || !strings.Contains(body, "1 to 16 digits") {
			t.Errorf("create %s: %d %s, want 400 naming %s and the digits", tc.body, code, body, tc.field)
		}
	}
	if code, body := send("GET", "/api/rooms", ""); strings.Contains(body, `"R`) {
		t.Errorf("a refused room was made: %d %s", code, body)
	}
	for _, ok := range []string{`{"name":"R6","pin":"1234567890123456"}`, `{"name":"R7","pin":"0","admin_pin":"4321"}`} {
		if code, body := send("POST", "/api/rooms", ok); code != http.StatusCreated {
			t.Errorf("create %s: %d %s, want 201", ok, code, body)
		}
	}
}

// An empty room is listed but has nothing to lock: 409 with the reason, not 404 "no such
// room"; a room that is not listed is 404.
func TestLockAnEmptyRoom(t *testing.T) {
	s, _ := apiWithRooms(t)
	send := sender(t, s)
	if code, body := send("POST", "/api/rooms", `{"name":"Salle_2"}`); code != http.StatusCreated {
		t.Fatalf("create Salle_2: %d %s", code, body)
	}
	for _, room := range []string{"Salle_1", "Salle_2"} { // the routing file's, and one made here
		if code, body := send("GET", "/api/rooms/"+room, ""); code != http.StatusOK || !strings.Contains(body, `"members": []`) {
			t.Fatalf("GET %s: %d %s, want the empty room", room, code, body)
		}
		code, body := send("POST", "/api/rooms/"+room+"/lock", `{"locked":true}`)
		if code != http.StatusConflict || !strings.Contains(body, "the room has no members: nothing to lock") || !strings.Contains(body, `"field": "room"`) {
			t.Errorf("lock the empty %s: %d %s, want 409 with the reason", room, code, body)
		}
	}
	if code, body := send("POST", "/api/rooms/Salle_9/lock", `{"locked":true}`); code != http.StatusNotFound || !strings.Contains(body, "no such room") {
		t.Errorf("lock a room that does not exist: %d %s, want 404", code, body)
	}
	f, _ := newRichFixture(t) // Salle_1 has members there
	if code, body := f.do("POST", "/api/rooms/Salle_1/lock", `{"locked":false}`, "", token); code != http.StatusOK {
		t.Errorf("unlock a room with members: %d %s, want 200", code, body)
	}
}
