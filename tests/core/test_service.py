"""Service.add against the demo server: track, fetch, untrack what the API does not have."""

from __future__ import annotations

from rztui.api.client import ApiClient
from rztui.api.errors import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, InvalidResponse, NetworkError
from rztui.demo import dataset as ds
from rztui.service import Service

SPEC_ID = ds.SPEC_INTERVIEW_ID
UNKNOWN_ID = "no-such-interview"
URL = f"https://rz-app-omega.vercel.app/api/v1/interviews/{SPEC_ID}"


async def test_known_id_is_tracked_and_cached(svc, demo):
    seen: list[str] = []
    result = await svc.add([URL], label="batch 1", on_done=lambda iid, _: seen.append(iid))
    assert result.ids == result.new == [SPEC_ID] and result.already == []
    assert result.fetched[SPEC_ID].candidate.name == "Jane Smith"
    assert not (result.not_found or result.failed or result.invalid or result.unfetched)
    assert result.exit_code == EXIT_OK and seen == [SPEC_ID]
    assert svc.store.is_tracked(SPEC_ID) and svc.store.is_final(SPEC_ID)
    assert svc.store.get_interview(SPEC_ID).candidate.name == "Jane Smith"
    [row] = svc.store.iter_list_rows()
    assert row.label == "batch 1"

    demo.reset_stats()
    again = await svc.add([SPEC_ID])  # tracked and final: no request at all
    assert again.new == [] and again.already == [SPEC_ID] and SPEC_ID in again.fetched
    assert demo.stats.total_requests == 0


async def test_unknown_id_404s_and_is_untracked(svc):
    result = await svc.add([UNKNOWN_ID])
    assert list(result.not_found) == [UNKNOWN_ID] and "not found" in result.not_found[
        UNKNOWN_ID].message
    assert result.new == result.already == [] and result.fetched == {}
    assert result.exit_code == EXIT_NOT_FOUND
    assert not svc.store.is_tracked(UNKNOWN_ID) and svc.store.tracked_ids() == []


async def test_a_mix_reports_each_id(svc):
    invited = next(i for i, s in ds.INITIAL_STATUS.items() if s == "invited")
    await svc.add([invited], fetch=False)  # tracked before: "already"
    result = await svc.add([SPEC_ID, "bad/id", UNKNOWN_ID, URL, invited, "demo-bad-json"])
    assert result.ids == [SPEC_ID, UNKNOWN_ID, invited, "demo-bad-json"]  # URL = SPEC_ID
    assert list(result.invalid) == ["bad/id"]
    assert set(result.fetched) == {SPEC_ID, invited}
    assert list(result.not_found) == [UNKNOWN_ID]
    assert isinstance(result.failed["demo-bad-json"], InvalidResponse)
    assert result.new == [SPEC_ID, "demo-bad-json"] and result.already == [invited]
    assert result.exit_code == 5  # an invalid response is worse than a bad id (2) or 404 (3)
    assert svc.store.tracked_ids() == [invited, SPEC_ID, "demo-bad-json"]  # failed: kept


async def test_only_invalid_input_tracks_nothing(svc, demo):
    demo.reset_stats()
    result = await svc.add(["bad/id", "  "])
    assert result.ids == [] and set(result.invalid) == {"bad/id", "  "}
    assert result.exit_code == EXIT_USAGE
    assert svc.store.tracked_ids() == [] and demo.stats.total_requests == 0


async def test_without_fetch_or_key_ids_are_only_tracked(svc, demo):
    demo.reset_stats()
    result = await svc.add([SPEC_ID], fetch=False)
    assert result.unfetched == result.new == [SPEC_ID] and result.fetched == {}
    assert demo.stats.total_requests == 0 and svc.store.get_interview(SPEC_ID) is None

    offline = await Service(svc.store, None).add([UNKNOWN_ID])  # no key: nothing to ask
    assert offline.unfetched == [UNKNOWN_ID] and offline.exit_code == EXIT_OK
    assert svc.store.is_tracked(UNKNOWN_ID)


async def test_network_error_keeps_the_id_for_later(store):
    async with ApiClient("http://127.0.0.1:9", ds.DEMO_KEY, max_attempts=1) as api:
        result = await Service(store, api).add([SPEC_ID])
    assert isinstance(result.failed[SPEC_ID], NetworkError)
    assert result.exit_code == 5  # kept for later, but this fetch failed: scripts must know
    assert store.is_tracked(SPEC_ID) and result.new == [SPEC_ID]
