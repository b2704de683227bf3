package report

import (
	"errors"
	"sync"
	"time"
)

// ErrNotFound is returned when a record does not exist (or is outside the caller's scope,
// which must look the same to the caller).
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a client_id is reused with different content.
var ErrConflict = errors.New("client_id already used with different content")

// Role is what a user may do.
type Role string

const (
	RoleObserver    Role = "observer"
	RoleCoordinator Role = "coordinator"
	RoleAdmin       Role = "admin"
)

// ValidRole reports whether r is one of the three roles.
func ValidRole(r Role) bool { return r == RoleObserver || r == RoleCoordinator || r == RoleAdmin }

// Election is one election day with its own station list.
type Election struct {
	ID   int64
	Code string
	Name string
	Date string // YYYY-MM-DD
	// Timezone (IANA) is the zone of the election's stations that have none of
	// their own: election day's hours, and the times shown, are in it.
	Timezone  string
	CreatedAt time.Time
}

// HeldAround reports whether an election dated date (YYYY-MM-DD) is held within a
// day of now in its zone (zone: the election's): the day before it to the day
// after it, the window in which a message is taken to be for it.
func HeldAround(date string, now time.Time, zone *time.Location) bool {
	d, err := time.ParseInLocation("2006-01-02", date, zone)
	if err != nil {
		return false
	}
	return !now.Before(d.AddDate(0, 0, -1)) && now.Before(d.AddDate(0, 0, 2))
}

// DefaultElectionZone is an election's zone when its creator names none.
const DefaultElectionZone = "Asia/Almaty"

// Region is the first level of the station hierarchy.
type Region struct {
	ID         int64
	ElectionID int64
	Code       string
	Name       string
}

// District is the second level (a territorial commission).
type District struct {
	ID       int64
	RegionID int64
	Code     string
	Name     string
}

// Station is a polling station (or a district commission imported as one, for tabulation).
type Station struct {
	ID               int64
	ElectionID       int64
	Code             string
	Name             string
	RegionID         int64
	RegionCode       string
	RegionName       string
	DistrictID       int64 // 0 when the station has no district
	DistrictCode     string
	DistrictName     string
	Address          string
	RegisteredVoters *int64
	Timezone         string
	Lat, Lon         *float64
}

// Location returns the station's time zone, or UTC when unknown or invalid.
func (s Station) Location() *time.Location {
	if s.Timezone != "" {
		if loc, err := LoadZone(s.Timezone); err == nil {
			return loc
		}
	}
	return time.UTC
}

var zones sync.Map // zone name → *time.Location

// LoadZone is time.LoadLocation, remembered: loading a zone reads and parses the
// tz database, too slow to do again for each message, form or row.
func LoadZone(name string) (*time.Location, error) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, l)
	return l, nil
}

// Observer is a pseudonymous observer. Contact details live apart (ObserverContact).
type Observer struct {
	ID         int64
	Code       string
	RegionCode string
}

// ObserverContact is personal data: stored sealed, apart from the code, never logged.
type ObserverContact struct {
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// User is an account.
type User struct {
	ID         int64
	Login      string
	Role       Role
	RegionCode string // coordinators: limited to this region code when set
	ObserverID int64  // observers: the pseudonymous observer they are
	TOTPSecret string
	CreatedAt  time.Time
	DisabledAt *time.Time
}

// Protocol holds the results protocol figures of a counting form. Nil means not recorded.
type Protocol struct {
	RegisteredVoters  *int64           `json:"registered_voters,omitempty"`
	BallotsReceived   *int64           `json:"ballots_received,omitempty"`
	VotersVoted       *int64           `json:"voters_voted,omitempty"`
	HomeboundRequests *int64           `json:"homebound_requests,omitempty"`
	BallotsStationary *int64           `json:"ballots_stationary,omitempty"`
	BallotsMobile     *int64           `json:"ballots_mobile,omitempty"`
	BallotsInvalid    *int64           `json:"ballots_invalid,omitempty"`
	BallotsCancelled  *int64           `json:"ballots_cancelled,omitempty"`
	Votes             map[string]int64 `json:"votes,omitempty"`
}

// Figure returns the figure with the given code.
func (p *Protocol) Figure(code string) *int64 {
	if p == nil {
		return nil
	}
	switch code {
	case FigRegisteredVoters:
		return p.RegisteredVoters
	case FigBallotsReceived:
		return p.BallotsReceived
	case FigVotersVoted:
		return p.VotersVoted
	case FigHomeboundRequests:
		return p.HomeboundRequests
	case FigBallotsStationary:
		return p.BallotsStationary
	case FigBallotsMobile:
		return p.BallotsMobile
	case FigBallotsInvalid:
		return p.BallotsInvalid
	case FigBallotsCancelled:
		return p.BallotsCancelled
	}
	return nil
}

// SetFigure sets the figure with the given code; it reports false for an unknown code.
func (p *Protocol) SetFigure(code string, v *int64) bool {
	switch code {
	case FigRegisteredVoters:
		p.RegisteredVoters = v
	case FigBallotsReceived:
		p.BallotsReceived = v
	case FigVotersVoted:
		p.VotersVoted = v
	case FigHomeboundRequests:
		p.HomeboundRequests = v
	case FigBallotsStationary:
		p.BallotsStationary = v
	case FigBallotsMobile:
		p.BallotsMobile = v
	case FigBallotsInvalid:
		p.BallotsInvalid = v
	case FigBallotsCancelled:
		p.BallotsCancelled = v
	default:
		return false
	}
	return true
}

// ObservationState says whether a form is still being filled.
type ObservationState string

const (
	StateDraft     ObservationState = "draft"
	StateSubmitted ObservationState = "submitted"
)

// Observation is one form for one phase at one station.
type Observation struct {
	ID           int64
	ElectionID   int64
	ClientID     string
	StationID    int64
	Station      Station // filled on reads
	Phase        Phase
	ObserverID   int64 // 0 when filed without an observer code
	ObserverCode string
	UserID       int64
	ArrivedAt    *time.Time
	LeftAt       *time.Time
	Assessment   Assessment
	Answers      map[string]Answer
	Protocol     *Protocol
	Notes        string
	State        ObservationState
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Incidents seen during the visit, saved in the same write as the form (on
	// creation only: later ones are filed with ObservationID).
	Incidents []Incident
}

// Incident is one irregularity.
type Incident struct {
	ID               int64
	ElectionID       int64
	ClientID         string
	StationID        int64
	Station          Station // filled on reads
	Phase            Phase
	Category         string
	OccurredAt       time.Time
	Witnessed        bool
	Description      string
	ObservationID    int64 // 0 when filed on its own
	ObserverID       int64
	ObserverCode     string
	UserID           int64
	Status           Status
	VerifiedBy       string // login of the coordinator
	VerifiedAt       *time.Time
	VerificationNote string
	EvidenceCount    int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Evidence is one uploaded file, content-addressed by SHA-256.
type Evidence struct {
	ID           int64
	IncidentID   int64
	SHA256       string
	Size         int64
	MIME         string
	OriginalName string
	UploadedBy   int64
	CreatedAt    time.Time
}

// AuditEntry is one link of the append-only, hash-chained audit log.
type AuditEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id,omitempty"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	Entity     string    `json:"entity"`
	EntityID   string    `json:"entity_id"`
	ElectionID int64     `json:"election_id,omitempty"`
	Before     string    `json:"before,omitempty"`
	After      string    `json:"after,omitempty"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

// TimeWindow narrows a scope to [From, To). Either end may be nil (open). Statistics
// apply it to observations by arrival (else creation) and to incidents by occurrence.
type TimeWindow struct {
	From *time.Time
	To   *time.Time
}

// IncidentFilter selects incidents: the coordinator's list, exports and evidence packs
// all use it, so a scope means the same thing everywhere.
type IncidentFilter struct {
	ElectionID int64
	RegionID   int64
	DistrictID int64
	StationID  int64
	Phase      Phase
	Category   string
	Statuses   []Status
	Witnessed  *bool
	Window     TimeWindow // on occurred_at
	IDs        []int64
	// UserID limits to incidents one user filed (an observer sees only their own).
	UserID int64
	// LimitRegionCode limits to one region (a region-limited coordinator).
	LimitRegionCode string
	// BeforeID pages backwards by id (keyset paging: newest first).
	BeforeID int64
	// Limit caps the number returned (0: no cap).
	Limit int
}
