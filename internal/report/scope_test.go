package report

import (
	"errors"
	"testing"
)

func TestResolveScope(t *testing.T) {
	cases := []struct {
		who         *User
		asked, want Scope
		err         error
	}{
		{&User{Role: RoleAdmin}, Scope{Region: "ABR"}, Scope{Region: "ABR"}, nil},
		{&User{Role: RoleCoordinator}, Scope{}, Scope{}, nil},
		{&User{Role: RoleCoordinator, RegionCode: "ALM"}, Scope{}, Scope{Region: "ALM", LimitRegion: "ALM"}, nil},
		{&User{Role: RoleCoordinator, RegionCode: "ALM"}, Scope{Region: "ALM", Station: "1"}, Scope{Region: "ALM", Station: "1", LimitRegion: "ALM"}, nil},
		{&User{Role: RoleCoordinator, RegionCode: "ALM"}, Scope{Region: "ABR"}, Scope{}, ErrOutOfScope},
		{&User{ID: 7, Role: RoleObserver}, Scope{Region: "ABR"}, Scope{Region: "ABR", UserID: 7}, nil},
		{&User{Role: "visitor"}, Scope{}, Scope{}, ErrOutOfScope},
		{nil, Scope{}, Scope{}, ErrOutOfScope},
	}
	for _, c := range cases {
		got := c.asked
		err := ResolveScope(c.who, &got)
		if !errors.Is(err, c.err) || (err == nil && got != c.want) {
			t.Errorf("%+v asking %+v: %+v %v, want %+v %v", c.who, c.asked, got, err, c.want, c.err)
		}
	}
}
