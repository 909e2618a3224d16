-- wrk script for tests/bench/dispatch.sh: POST /api/v1/tickets with varied
-- devices, reporters, fault codes, priorities, channels and verifications.
--
-- Environment:
--   BENCH_TOKEN        a dispatcher's session token (Bearer)
--   BENCH_INTAKE_DATA  a Lua file that sets
--                        devices = { {device_id, customer_id, "kind"}, ... }
--                        codes   = { kind = {"CODE", ...}, ... }
--                      (dispatch.sh writes it from the loaded database)
--   BENCH_SEED         random seed (default 42)
-- No Idempotency-Key: every request is a new intake.

local token = os.getenv("BENCH_TOKEN") or error("BENCH_TOKEN is not set")
dofile(os.getenv("BENCH_INTAKE_DATA") or error("BENCH_INTAKE_DATA is not set"))

local channels = {"phone", "phone", "phone", "web", "email", "app", "walk_in"}
local verifications = {"callback", "employee_id", "sso", "sso", "in_person"}
local symptoms = {
	"전원을 눌러도 켜지지 않습니다.",
	"속도가 매우 느리고 프로그램이 자주 멈춥니다.",
	"네트워크 연결이 자주 끊깁니다.",
	"인쇄할 때마다 용지가 걸립니다.",
	"화면이 깜빡이고 가로줄이 생깁니다.",
	"오류 메시지가 뜨고 업무 프로그램이 종료됩니다.",
	"연결한 장치가 인식되지 않습니다.",
	"비밀번호를 바꾼 뒤 로그인이 되지 않습니다.",
}
local headers = {
	["Authorization"] = "Bearer " .. token,
	["Content-Type"] = "application/json",
}

local counter = 0
init = function(args)
	math.randomseed(tonumber(os.getenv("BENCH_SEED") or "42"))
end

request = function()
	counter = counter + 1
	local d = devices[math.random(#devices)]
	local kc = codes[d[3]]
	local code = kc[math.random(#kc)]
	local x = math.random()
	local prio = ""
	if x < 0.03 then
		prio = ',"priority":"P1"'
	elseif x < 0.13 then
		prio = ',"priority":"P2"'
	elseif x < 0.15 then
		prio = ',"priority":"P4"'
	end
	local body = string.format(
		'{"customer_id":%d,"device_id":%d,"fault_code":"%s","symptom":"%s (#%d)",' ..
		'"channel":"%s","verification":"%s"%s}',
		d[2], d[1], code, symptoms[math.random(#symptoms)], counter,
		channels[math.random(#channels)], verifications[math.random(#verifications)], prio)
	return wrk.format("POST", "/api/v1/tickets", headers, body)
end

-- only done(): a response() callback would slow wrk down
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"BENCH requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
		summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
		latency:percentile(99), latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
