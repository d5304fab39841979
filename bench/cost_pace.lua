-- SPDX-License-Identifier: BSD-2-Clause
-- wrk script of bench/cost.sh: a browser's request behind one proxy, about
-- 1 KiB of head as the app receives it (nginx adds Host, X-Real-IP,
-- X-Forwarded-Proto and its address to X-Forwarded-For; cost.sh measures
-- the size the app sees and prints it).
--
-- With COST_RATE set (requests/s of one wrk thread), requests are paced to
-- that rate: each request takes the thread's next slot, INTERVAL after the
-- previous one, and waits for it. wrk's delay() is in whole milliseconds, so
-- a request may go up to half a millisecond early or late, but the slots
-- advance by the interval whatever the rounding: the rate over a second is
-- the target, as long as the connections are enough to keep up.

wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 " ..
	"(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
wrk.headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9," ..
	"image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
wrk.headers["Accept-Language"] = "en-US,en;q=0.9,de-DE;q=0.8,de;q=0.7,fr;q=0.6"
wrk.headers["Accept-Encoding"] = "gzip, deflate, br"
wrk.headers["Referer"] = "https://shop.example.com/catalog/outdoor/tents?sort=price&order=asc&page=3"
wrk.headers["Sec-CH-UA"] = "\"Not_A Brand\";v=\"8\", \"Chromium\";v=\"120\", \"Google Chrome\";v=\"120\""
wrk.headers["Sec-CH-UA-Mobile"] = "?0"
wrk.headers["Sec-CH-UA-Platform"] = "\"Linux\""
wrk.headers["Sec-Fetch-Dest"] = "document"
wrk.headers["Sec-Fetch-Mode"] = "navigate"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
wrk.headers["Sec-Fetch-User"] = "?1"
wrk.headers["Upgrade-Insecure-Requests"] = "1"
wrk.headers["Cache-Control"] = "max-age=0"
wrk.headers["X-Request-ID"] = "5f0c6e1a-8d2b-4c7e-9a41-3b6f2d8e7c15"
wrk.headers["X-Client-Trace"] = "session=7d1e4b2a9c3f5e8d0a6b; ab=checkout-v2; build=2024.06.3"
-- The client's own forwarding header: nginx appends the client's address.
wrk.headers["X-Forwarded-For"] = "203.0.113.7"

local rate = tonumber(os.getenv("COST_RATE") or "") or 0

if rate > 0 then
	local ffi = require("ffi")
	ffi.cdef([[
		struct cost_timespec { long tv_sec; long tv_nsec; };
		int clock_gettime(int clock, struct cost_timespec *ts);
	]])
	local CLOCK_MONOTONIC = 1
	local ts = ffi.new("struct cost_timespec")
	local interval = 1000 / rate
	-- Slots missed while every connection was busy are made up for only
	-- within this many milliseconds: no burst after a stall.
	local backlog = 5
	local slot = nil

	local function now_ms()
		ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
		return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
	end

	function delay()
		local now = now_ms()
		if slot == nil then
			slot = now
		else
			slot = math.max(slot + interval, now - backlog)
		end
		local wait = math.floor(slot - now + 0.5)
		if wait < 0 then
			return 0
		end
		return wait
	end
end
