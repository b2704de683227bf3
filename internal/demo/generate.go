package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/observerkz/observer/internal/report"
)

// Stations makes n station records spread over the regions by their weight, as a
// commission's CSV file would list them.
func Stations(rng *rand.Rand, n int) []report.StationRecord {
	weights := make([]int, 0, len(regions)+1)
	for _, r := range regions {
		weights = append(weights, r.weight)
	}
	abroadWeight := 0
	for _, c := range abroad {
		abroadWeight += c.weight
	}
	weights = append(weights, abroadWeight*3)
	shares := apportion(n, weights)
	recs := make([]report.StationRecord, 0, n)
	districtNo := 0
	for i, r := range regions {
		perDistrict := apportion(shares[i], districtWeights(rng, r))
		number := 0 // station numbers run on through a region, as commissions number them
		for d, name := range r.districts {
			districtNo++
			urban := r.city || strings.HasSuffix(name, " city")
			for k := 1; k <= perDistrict[d]; k++ {
				number++
				recs = append(recs, station(rng, r, name, urban, fmt.Sprintf("%03d-%03d", districtNo, k), number))
			}
		}
	}
	recs = append(recs, abroadStations(rng, shares[len(regions)])...)
	return recs
}

// districtWeights makes urban districts larger than rural ones, with some scatter.
func districtWeights(rng *rand.Rand, r region) []int {
	ws := make([]int, len(r.districts))
	for i, name := range r.districts {
		w := 60 + rng.IntN(80)
		if !r.city && strings.HasSuffix(name, " city") {
			w *= 3
		}
		ws[i] = w
	}
	return ws
}

func station(rng *rand.Rand, r region, district string, urban bool, code string, number int) report.StationRecord {
	building := buildings[rng.IntN(len(buildings))]
	if strings.Contains(building, "%d") {
		building = fmt.Sprintf(building, 1+rng.IntN(120))
	}
	town := r.centre
	spread := r.spread
	voters := int64(150 + rng.IntN(1250))
	if urban {
		voters = int64(800 + rng.IntN(2100))
		if !r.city {
			town = strings.TrimSuffix(district, " city")
			spread = 0.06
		}
	} else {
		town = district
	}
	lat := round4(r.lat + (rng.Float64()*2-1)*spread)
	lon := round4(r.lon + (rng.Float64()*2-1)*spread*1.5)
	return report.StationRecord{
		Code:             code,
		Name:             fmt.Sprintf("Polling station No. %d", number),
		Region:           r.name,
		RegionCode:       r.code,
		District:         district,
		Address:          fmt.Sprintf("%s, %d %s, %s", building, 1+rng.IntN(200), streets[rng.IntN(len(streets))], town),
		RegisteredVoters: &voters,
		Timezone:         r.tz,
		Lat:              &lat,
		Lon:              &lon,
	}
}

func abroadStations(rng *rand.Rand, n int) []report.StationRecord {
	weights := make([]int, len(abroad))
	for i, c := range abroad {
		weights[i] = c.weight
	}
	var recs []report.StationRecord
	for i, k := range apportion(n, weights) {
		c := abroad[i]
		for j := 1; j <= k; j++ {
			voters := int64(40 + rng.IntN(900))
			lat, lon := round4(c.lat+(rng.Float64()-0.5)*0.1), round4(c.lon+(rng.Float64()-0.5)*0.1)
			place := "Embassy of Kazakhstan"
			if j > 1 {
				place = "Consular section"
			}
			recs = append(recs, report.StationRecord{
				Code:             fmt.Sprintf("%s-%d", c.country, j),
				Name:             fmt.Sprintf("Polling station in %s No. %d", c.city, j),
				Region:           "Abroad",
				RegionCode:       "abroad",
				District:         c.city,
				Address:          fmt.Sprintf("%s, %s", place, c.city),
				RegisteredVoters: &voters,
				Timezone:         c.tz,
				Lat:              &lat,
				Lon:              &lon,
			})
		}
	}
	return recs
}

// apportion splits n into parts proportional to weights (largest remainders), giving
// every part at least one while n allows.
func apportion(n int, weights []int) []int {
	out := make([]int, len(weights))
	if n <= 0 || len(weights) == 0 {
		return out
	}
	if n <= len(weights) {
		for i := 0; i < n; i++ {
			out[i] = 1
		}
		return out
	}
	total := 0
	for _, w := range weights {
		total += w
	}
	rest := n - len(weights)
	type rem struct{ i, r int }
	rems := make([]rem, len(weights))
	given := 0
	for i, w := range weights {
		out[i] = 1 + rest*w/total
		given += out[i]
		rems[i] = rem{i, rest * w % total}
	}
	// Largest remainders first; ties by position, so the split is deterministic.
	for given < n {
		best := -1
		for j, r := range rems {
			if r.r >= 0 && (best < 0 || r.r > rems[best].r) {
				best = j
			}
		}
		out[rems[best].i]++
		rems[best].r = -1
		given++
	}
	return out
}

func round4(v float64) float64 { return math.Round(v*10000) / 10000 }

func observerCode(i int) string { return fmt.Sprintf("OBS-%04d", i) }

// Observers makes n observers with fake, sealed contact details, each assigned to one
// to three stations of one district. The first three are in Almaty (the demo's
// observer accounts).
func Observers(rng *rand.Rand, stations []report.StationRecord, n int) []report.ObserverRecord {
	byDistrict := map[string][]string{}
	var districts []string
	var almaty []string
	for _, s := range stations {
		key := s.RegionCode + "/" + s.District
		if _, ok := byDistrict[key]; !ok {
			districts = append(districts, key)
			if s.RegionCode == "almaty" {
				almaty = append(almaty, key)
			}
		}
		byDistrict[key] = append(byDistrict[key], s.Code)
	}
	recs := make([]report.ObserverRecord, 0, n)
	for i := 1; i <= n && len(districts) > 0; i++ {
		pool := districts
		if i <= 3 && len(almaty) > 0 {
			pool = almaty
		}
		key := pool[rng.IntN(len(pool))]
		codes := byDistrict[key]
		k := min(len(codes), 1+rng.IntN(3))
		start := rng.IntN(len(codes) - k + 1)
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		op := mobilePrefixes[rng.IntN(len(mobilePrefixes))]
		recs = append(recs, report.ObserverRecord{
			Code: observerCode(i),
			Contact: report.ObserverContact{
				Name:  first + " " + last,
				Phone: fmt.Sprintf("+7 %d %03d %02d %02d", op, rng.IntN(1000), rng.IntN(100), rng.IntN(100)),
				Email: fmt.Sprintf("obs%04d@example.org", i),
			},
			RegionCode:  strings.SplitN(key, "/", 2)[0],
			Stations:    append([]string(nil), codes[start:start+k]...),
			SetStations: true,
		})
	}
	// The demo accounts' observers have known numbers, so that a newcomer can send
	// them an SMS through the demo gateway (README).
	for i := 0; i < len(recs) && i < 3; i++ {
		recs[i].Contact.Phone = Phone(i + 1)
	}
	return recs
}

// Phone is the phone number of demo observer n (1 to 3).
func Phone(n int) string { return fmt.Sprintf("+7 701 000 00 %02d", n) }
