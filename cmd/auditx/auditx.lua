
-- The enrichment: an interpreter of the tables above. It names no vendor;
-- each part says which Go function it mirrors.

local type, pairs, ipairs, next, tostring, tonumber = type, pairs, ipairs, next, tostring, tonumber
local getmetatable, setmetatable = getmetatable, setmetatable
local floor, huge = math.floor, math.huge
local byte, char, find, match, sub, gsub, lower, upper, format, rep =
  string.byte, string.char, string.find, string.match, string.sub, string.gsub, string.lower, string.upper, string.format, string.rep
local concat, sort = table.concat, table.sort
local os_time = os.time

-- Fluent Bit marks every table it makes from msgpack with a metatable whose
-- "type" says what it was, and writes the table back as that, an empty
-- array included (src/flb_lua.c, flb_lua_setmetatable; include/fluent-bit/
-- flb_lua.h, enum flb_lua_l2c_type_enum: FLB_LUA_L2C_TYPE_ARRAY 1,
-- FLB_LUA_L2C_TYPE_MAP 2).
local L2C_ARRAY, L2C_MAP = 1, 2
local ARRAY_MT, MAP_MT = { type = L2C_ARRAY }, { type = L2C_MAP }

-- Fluent Bit's null (enable_flb_null: the global flb_null, a light userdata),
-- read at each call; nil without enable_flb_null, when no value is null.
local NULL = nil
local function is_null(v)
  return NULL ~= nil and v == NULL
end

-- kind says what a table is: "array", "map", or "unmarked" for an empty
-- table Fluent Bit did not mark (made by another script).
local function kind(t)
  local mt = getmetatable(t)
  if mt ~= nil then
    local k = mt.type
    if k == L2C_ARRAY then
      return "array"
    elseif k == L2C_MAP then
      return "map"
    end
  end
  if t[1] ~= nil then
    return "array"
  end
  if next(t) == nil then
    return "unmarked"
  end
  return "map"
end
local function is_array(t)
  return kind(t) ~= "map"
end
local function is_map(t)
  return kind(t) ~= "array"
end

-- Bounded memo of a function of strings: records of one source repeat
-- their keys.
local function memo(f)
  local cache, count = {}, 0
  return function(k)
    local v = cache[k]
    if v == nil then
      v = f(k)
      if count >= 4096 then
        cache, count = {}, 0
      end
      cache[k] = v
      count = count + 1
    end
    return v
  end
end

-- Lookup keys (enrich/keys.go normKey): lower case without ' ', '_', '-'.
local norm_key = memo(function(k)
  return lower((gsub(k, "[ _%-]", "")))
end)

-- trim drops spaces and tabs at both ends (catalog.TrimBlanks); most values
-- have none, so the patterns run only when an end is one.
local function trim(s)
  local a, z = byte(s, 1), byte(s, -1)
  if a ~= 32 and a ~= 9 and z ~= 32 and z ~= 9 then
    return s
  end
  return (gsub(gsub(s, "^[ \t]+", ""), "[ \t]+$", ""))
end

-- digits parses 1 to 18 decimal digits (parseDigits).
local function digits(s)
  local n = #s
  if n == 0 or n > 18 or find(s, "[^0-9]") then
    return nil
  end
  return tonumber(s)
end

local function is_whole(v)
  return v == floor(v) and v > -huge and v < huge
end

local function is_int(v)
  return v == floor(v) and v >= -1e15 and v <= 1e15
end

local function isdigit(c)
  return c ~= nil and c >= 48 and c <= 57
end

-- floor_div is a // b for integers (exact where a / b would round up).
local function floor_div(a, b)
  local q = floor(a / b)
  local r = a - q * b
  if r < 0 then
    q = q - 1
  elseif r >= b then
    q = q + 1
  end
  return q
end

---------------------------------------------------------------------------
-- Codes, outcome and severity (enrich/record.go)
---------------------------------------------------------------------------

-- A severity on the syslog scale: 6, "6", "Info(6)", "WARNING"
-- (syslogNumber); nil outside 0..7.
local function syslog_number(v)
  local tv = type(v)
  if tv == "number" then
    if v == floor(v) and v >= 0 and v <= 7 then
      return v
    end
    return nil
  elseif tv ~= "string" then
    return nil
  end
  local s = trim(v)
  local open = find(s, "(", 1, true)
  if open and #s > open and sub(s, -1) == ")" then
    local n = digits(sub(s, open + 1, -2))
    if n then
      if n <= 7 then
        return n
      end
      return nil
    end
    s = sub(s, 1, open - 1)
  end
  local n = digits(s)
  if n then
    if n <= 7 then
      return n
    end
    return nil
  end
  return SYSLOG_NAMES[lower(s)]
end

-- The severity scales a descriptor may name.
local SCALES = { syslog = syslog_number }

-- An outcome value as a number: an integer or a string of digits
-- (intValue).
local function int_of(v)
  local tv = type(v)
  if tv == "number" then
    if v == floor(v) then
      return v
    end
  elseif tv == "string" then
    return digits(trim(v))
  end
  return nil
end

-- The value under the first key of map t that normalises to want.
local function child(t, want)
  if type(t) ~= "table" then
    return nil
  end
  for k, v in pairs(t) do
    if type(k) == "string" and norm_key(k) == want then
      return v
    end
  end
  return nil
end

-- The value at a key path: its first key among the record's watched
-- top-level keys (s), the others through nested maps (resolve).
local function resolve(s, path)
  local v = s[path[1]]
  for i = 2, #path do
    if v == nil then
      return nil
    end
    v = child(v, path[i])
  end
  return v
end

-- The value at the first path present (resolveFirst).
local function resolve_first(s, paths)
  for i = 1, #paths do
    local v = resolve(s, paths[i])
    if v ~= nil then
      return v
    end
  end
  return nil
end

-- Ready each vendor's code spec for normalize: the characters a code of an
-- upper or lower form may hold (letters, digits, '_', ' ' and '-', and the
-- separator of a joined code, else '.'), and the separator as a pattern.
for _, v in pairs(VENDORS) do
  local c = v.code
  c.bad = "[^A-Za-z0-9_ %-%" .. (c.sep or ".") .. "]"
  if c.sep then
    c.sep_pattern = "%" .. c.sep
  end
end

-- The canonical form of a code (catalog/normalize.go normalize), or nil
-- when s cannot be a code of the spec c.
local function normalize(c, s)
  s = trim(s)
  if s == "" or #s > MAX_CODE_LEN then
    return nil
  end
  local form = c.form
  if form == "integer" then
    if find(s, "[^0-9]") then
      return nil
    end
    if byte(s, 1) == 48 then -- leading zeros: keep one digit
      s = gsub(s, "^0+", "")
      if s == "" then
        s = "0"
      end
    end
    if #s < c.pad then
      s = rep("0", c.pad - #s) .. s
    end
    return s
  elseif form == "upper" or form == "lower" then
    if find(s, c.bad) then
      return nil
    end
    if c.sep_pattern then
      local _, seps = gsub(s, c.sep_pattern, "")
      if seps ~= #c.join - 1 then
        return nil
      end
    end
    if form == "upper" then
      s = upper(s)
    else
      s = lower(s)
    end
    return (gsub(s, "[ %-]", "_"))
  elseif form == "text" then
    if find(s, "%c") then
      return nil
    end
    return s
  end
  return nil
end

-- Why a record of a known vendor has no code (ResultNoCode,
-- ResultInvalidCode): the tag it gets.
local NO_CODE, INVALID_CODE = NO_CODE_TAG, INVALID_CODE_TAG

-- joined_code reads a code made of several fields joined by the vendor's
-- separator (joinCode): every part present, a string, none blank.
local function joined_code(c, s, cat)
  local parts = {}
  for i = 1, #c.join do
    local p = resolve(s, c.join[i])
    if p == nil then
      return nil, nil, NO_CODE
    end
    parts[i] = p
  end
  for i = 1, #parts do
    if type(parts[i]) ~= "string" or #parts[i] > MAX_CODE_LEN then
      return nil, nil, INVALID_CODE
    end
  end
  for i = 1, #parts do
    parts[i] = trim(parts[i])
    if parts[i] == "" then
      return nil, nil, NO_CODE
    end
  end
  local joined = concat(parts, c.sep)
  local norm = normalize(c, joined)
  if norm then
    return norm, cat[norm]
  end
  return joined, nil
end

-- code_of returns the canonical code (or the trimmed input when it cannot
-- be one of the vendor's) and the catalog entry; or, for a record without
-- a code it can read, nil, nil and why (NO_CODE, INVALID_CODE).
local function code_of(vendor, s)
  local c = VENDORS[vendor].code
  local cat = CATALOG[vendor] or {}
  if c.join then
    return joined_code(c, s, cat)
  end
  local v = resolve_first(s, c.fields)
  local tv = type(v)
  if v == nil then
    return nil, nil, NO_CODE
  elseif tv == "number" then
    if not is_int(v) or v < 0 then
      return nil, nil, INVALID_CODE
    end
    if v == 0 then
      v = "0" -- also -0.0
    else
      v = format("%.0f", v)
    end
    if c.form ~= "integer" then
      return v, nil -- a number is never a code of the other forms
    end
  elseif tv == "string" then
    v = trim(v)
    if v == "" then
      return nil, nil, NO_CODE
    elseif #v > MAX_CODE_LEN then
      return nil, nil, INVALID_CODE
    end
  else
    return nil, nil, INVALID_CODE
  end
  local norm = normalize(c, v)
  if norm then
    return norm, cat[norm]
  end
  return v, nil
end

-- The vendor by the record's keys (detect): the first rule whose keys are
-- all present.
local function detect(s)
  for i = 1, #RULES do
    local keys = RULES[i].keys
    local all = true
    for j = 1, #keys do
      if s[keys[j]] == nil then
        all = false
        break
      end
    end
    if all then
      return RULES[i].vendor
    end
  end
  return nil
end

-- matches reports whether an outcome value is one of list (matchValue): a
-- number (an integer or a string of digits) against the comparisons, a
-- string (trimmed, case-insensitive) against the words.
local function matches(v, list)
  if #list == 0 then
    return false
  end
  local n = int_of(v)
  local w
  if type(v) == "string" then
    w = lower(trim(v))
  end
  for i = 1, #list do
    local m = list[i]
    if m.word then
      if w == m.word then
        return true
      end
    elseif n then
      local op, k = m.op, m.n
      if (op == "=" and n == k) or (op == ">" and n > k) or (op == "<" and n < k)
        or (op == ">=" and n >= k) or (op == "<=" and n <= k) then
        return true
      end
    end
  end
  return false
end

-- from_record applies what the record itself says about its outcome and
-- severity (fromRecord): the outcome field against the failure, then the
-- success values; the severity field on its scale, which sets both the
-- vendor's number and auditx's score.
local function from_record(info, s, outcome, score, number)
  local o = info.outcome
  if o then
    local v = resolve_first(s, o.fields)
    if v ~= nil then
      if matches(v, o.failure) then
        outcome = "failure"
      elseif matches(v, o.success) then
        outcome = "success"
      end
    end
  end
  local sv = info.severity
  if sv then
    local v = resolve_first(s, sv.fields)
    local scale = SCALES[sv.scale]
    if v ~= nil and scale then
      local n = scale(v)
      if n then
        score, number = SYSLOG_SCORE[n], n
      end
    end
  end
  return outcome, score, number
end

---------------------------------------------------------------------------
-- The vendor's event time (internal/evtime, enrich/record.go eventTime)
---------------------------------------------------------------------------

local function days_in(month, year)
  if month == 2 then
    if year % 4 == 0 and (year % 100 ~= 0 or year % 400 == 0) then
      return 29
    end
    return 28
  elseif month == 4 or month == 6 or month == 9 or month == 11 then
    return 30
  end
  return 31
end

local function valid_date(year, month, day)
  return year >= 1 and year <= 9999 and month >= 1 and month <= 12 and day >= 1 and day <= days_in(month, year)
end

-- wall_seconds is the Unix time of a civil date and time read as UTC
-- (Howard Hinnant's days_from_civil).
local function wall_seconds(year, month, day, hour, minute, sec)
  local y = year
  if month <= 2 then
    y = y - 1
  end
  local era = floor_div(y, 400)
  local yoe = y - era * 400
  local mp = month > 2 and month - 3 or month + 9
  local doy = floor((153 * mp + 2) / 5) + day - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  local days = era * 146097 + doe - 719468
  return days * 86400 + hour * 3600 + minute * 60 + sec
end

-- all_digits reads s, all decimal digits.
local function all_digits(s)
  if s == "" or find(s, "[^0-9]") then
    return nil
  end
  return tonumber(s)
end

-- fraction reads the digits of s from i as a fraction of a second: the
-- nanoseconds of the first nine, and how many digits there were.
local function fraction(s, i)
  local nsec, used, scale = 0, 0, 100000000
  while true do
    local c = byte(s, i + used)
    if not isdigit(c) then
      return nsec, used
    end
    if scale >= 1 then
      nsec = nsec + (c - 48) * scale
      scale = scale / 10
    end
    used = used + 1
  end
end

-- The instant of an RFC 3339 time (parseRFC3339): seconds and nanoseconds.
local function parse_rfc3339(b)
  if type(b) ~= "string" or #b < 20 then
    return nil
  end
  local year, month, day, hour, minute, sec = match(b, "^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)")
  if year == nil then
    return nil
  end
  year, month, day, hour, minute, sec = tonumber(year), tonumber(month), tonumber(day), tonumber(hour), tonumber(minute), tonumber(sec)
  if not valid_date(year, month, day) or hour > 23 or minute > 59 or sec > 59 then
    return nil
  end
  local rest, nsec = sub(b, 20), 0
  if byte(rest, 1) == 46 then
    local used
    nsec, used = fraction(rest, 2)
    if used == 0 then
      return nil
    end
    rest = sub(rest, 2 + used)
  end
  local offset, n, sign = 0, #rest, byte(rest, 1)
  if n == 1 and (sign == 90 or sign == 122) then
    offset = 0
  elseif (n == 6 and byte(rest, 4) == 58 or n == 5) and (sign == 43 or sign == 45) then
    local oh, om = all_digits(sub(rest, 2, 3)), all_digits(sub(rest, -2))
    if not oh or not om or oh > 23 or om > 59 then
      return nil
    end
    offset = (oh * 60 + om) * 60
    if sign == 45 then
      offset = -offset
    end
  else
    return nil
  end
  local unix = wall_seconds(year, month, day, hour, minute, sec) - offset
  if unix < MIN_UNIX or unix > MAX_UNIX then
    return nil
  end
  return unix, nsec
end

-- round is Go's math.Round: half away from zero.
local function round(x)
  if x < 0 then
    return -round(-x)
  end
  local r = floor(x)
  if x - r >= 0.5 then
    r = r + 1
  end
  return r
end

-- decimal reads "-?digits(.digits)?" as seconds (a fraction of 1-9 digits)
-- or milliseconds (1-6), returned as seconds and nanoseconds (decimal).
local function decimal(s, ms)
  local neg = byte(s, 1) == 45
  if neg then
    s = sub(s, 2)
  end
  local i, whole, n = 1, 0, #s
  while i <= n and isdigit(byte(s, i)) do
    if whole > 1e15 then
      return nil
    end
    whole = whole * 10 + byte(s, i) - 48
    i = i + 1
  end
  if i == 1 then
    return nil
  end
  local frac = 0
  if i <= n then
    local max_digits = ms and 6 or 9
    local rest = sub(s, i)
    if byte(rest, 1) ~= 46 or #rest < 2 or #rest - 1 > max_digits or find(rest, "[^0-9]", 2) then
      return nil
    end
    frac = tonumber(sub(rest, 2)) * 10 ^ (max_digits - (#rest - 1))
  end
  local sec, nsec
  if ms then
    sec, nsec = floor_div(whole, 1000), (whole % 1000) * 1e6 + frac
  else
    sec, nsec = whole, frac
  end
  if neg then
    sec, nsec = -sec, -nsec
    if nsec < 0 then
      sec, nsec = sec - 1, nsec + 1e9
    end
  end
  return sec, nsec
end

-- The instant of unix_s or unix_ms (parseUnix): a whole number as an
-- integer, another number as a float rounded to the microsecond, a string
-- as a decimal.
local function parse_unix(v, ms)
  local tv = type(v)
  local sec, nsec
  if tv == "number" then
    if v ~= v then
      return nil
    end
    if is_whole(v) then
      sec, nsec = v, 0
      if ms then
        sec = floor_div(v, 1000)
        nsec = (v - sec * 1000) * 1e6
      end
    else
      local scale = ms and 1e3 or 1e6
      if v > 3e11 * 1e6 / scale or v < -3e11 * 1e6 / scale then
        return nil
      end
      local us = round(v * scale)
      sec = floor_div(us, 1e6)
      nsec = (us - sec * 1e6) * 1e3
    end
  elseif tv == "string" then
    sec, nsec = decimal(v, ms)
    if sec == nil then
      return nil
    end
  else
    return nil
  end
  if sec < MIN_UNIX or sec > MAX_UNIX then
    return nil
  end
  return sec, nsec
end

-- The zone of zoneless times: the offset at instant u, and the bounds of
-- its period (nil: none), as time.Time.Zone and ZoneBounds give them; nil
-- past TZ_UNTIL.
local function zone_at(u)
  if TZ_UNTIL ~= nil and u >= TZ_UNTIL then
    return nil
  end
  local lo, hi = 1, #TZ -- the last change at or before u: TZ[lo - 1]
  while lo <= hi do
    local mid = floor((lo + hi) / 2)
    if TZ[mid][1] <= u then
      lo = mid + 1
    else
      hi = mid - 1
    end
  end
  local i = lo - 1
  local stop = TZ[i + 1] and TZ[i + 1][1] or TZ_UNTIL
  if i == 0 then
    return TZ_FIRST_OFFSET, nil, stop
  end
  return TZ[i][2], TZ[i][1], stop
end

local DAY = 86400

-- resolve_wall turns a wall time (its civil fields read as UTC seconds)
-- into the instant it names in the zone: of two instants the earlier, in a
-- gap the offset from before the change (evtime's resolve).
local function resolve_wall(wall)
  local guess = zone_at(wall)
  if guess == nil then
    return nil
  end
  local cur, start, stop = zone_at(wall - guess)
  if cur == nil then
    return nil
  end
  local u = wall - cur
  if (start == nil or u >= start + DAY) and (stop == nil or u < stop - DAY) then
    return u
  end
  local o1, o2, o3 = cur, cur, cur
  if start ~= nil then
    o1 = zone_at(start - 1)
  end
  if stop ~= nil then
    o3 = zone_at(stop)
  end
  if o1 == nil or o3 == nil then
    return nil
  end
  local best
  for _, o in ipairs({ o1, o2, o3 }) do
    local x = wall - o
    if zone_at(x) == o and (best == nil or x < best) then
      best = x
    end
  end
  if best == nil then
    -- A gap: at a change from offset a to b > a, the walls [T+a, T+b) do
    -- not exist; read them with a, the offset before the change.
    best = wall - o2
    if start ~= nil and o2 > o1 and wall >= start + o1 and wall < start + o2 then
      best = wall - o1
    end
    if stop ~= nil and o3 > o2 and wall >= stop + o2 and wall < stop + o3 then
      best = wall - o2
    end
  end
  return best
end

-- two reads a 2-digit number at i, or 1 digit when not fixed (Go's getnum).
local function two(s, i, fixed)
  local a, b = byte(s, i), byte(s, i + 1)
  if not isdigit(a) then
    return nil
  end
  if not isdigit(b) then
    if fixed then
      return nil
    end
    return a - 48, i + 1
  end
  return (a - 48) * 10 + b - 48, i + 2
end

-- The instant of a zoneless time in a layout (parseLayout), read in the
-- export's zone.
local function parse_layout(s, tf)
  if type(s) ~= "string" then
    return nil
  end
  local elems = tf.layout
  local year, month, day, hour, minute, sec, nsec = 0, 0, 0, 0, 0, 0, 0
  local i = 1
  for k = 1, #elems do
    local e = elems[k]
    local op = e[1]
    if op == "lit" then
      local lit = e[2]
      if sub(s, i, i + #lit - 1) ~= lit then
        return nil
      end
      i = i + #lit
    elseif op == "year" then
      year = all_digits(sub(s, i, i + 3))
      if year == nil or #sub(s, i, i + 3) ~= 4 then
        return nil
      end
      i = i + 4
    elseif op == "month" then
      month, i = two(s, i, true)
    elseif op == "day" then
      day, i = two(s, i, true)
    elseif op == "hour" then
      hour, i = two(s, i, false)
    elseif op == "minute" then
      minute, i = two(s, i, true)
    elseif op == "second" then
      sec, i = two(s, i, true)
      local nxt = elems[k + 1]
      if sec ~= nil and (nxt == nil or (nxt[1] ~= "frac0" and nxt[1] ~= "frac9")) then
        -- Go reads a fraction the layout does not name.
        local c = byte(s, i)
        if (c == 46 or c == 44) and isdigit(byte(s, i + 1)) then
          local used
          nsec, used = fraction(s, i + 1)
          i = i + 1 + used
        end
      end
    elseif op == "frac0" then
      local n = e[2]
      local c = byte(s, i)
      if #s < i + n or (c ~= 46 and c ~= 44) then
        return nil
      end
      local used
      nsec, used = fraction(sub(s, i + 1, i + n), 1)
      if used ~= n then
        return nil
      end
      i = i + 1 + n
    elseif op == "frac9" then
      local c = byte(s, i)
      if (c == 46 or c == 44) and isdigit(byte(s, i + 1)) then
        local used
        nsec, used = fraction(s, i + 1)
        i = i + 1 + used
      end
    end
    if i == nil or year == nil or month == nil or day == nil or hour == nil or minute == nil or sec == nil then
      return nil
    end
  end
  if i <= #s or not valid_date(year, month, day) or hour > 23 or minute > 59 or sec > 59 then
    return nil
  end
  local u = resolve_wall(wall_seconds(year, month, day, hour, minute, sec))
  if u == nil or u < MIN_UNIX or u > MAX_UNIX then
    return nil
  end
  return u, nsec
end

-- The time parsers by descriptor format.
local TIME_FORMATS = {
  rfc3339 = function(v) return parse_rfc3339(v) end,
  unix_s = function(v) return parse_unix(v, false) end,
  unix_ms = function(v) return parse_unix(v, true) end,
  layout = parse_layout,
}

-- event_time reads the vendor's event time from the descriptor's time
-- fields, the first present and readable (eventTime): seconds,
-- nanoseconds and whether it was zoneless; nil when there is none.
local function event_time(fields, s)
  for i = 1, #fields do
    local tf = fields[i]
    local v = resolve(s, tf.path)
    if v ~= nil then
      local sec, nsec = TIME_FORMATS[tf.format](v, tf)
      if sec ~= nil then
        return sec, nsec, tf.format == "layout"
      end
    end
  end
  return nil
end

-- civil is the UTC date and time of Unix seconds (days_to_civil).
local function civil(sec)
  local days = floor_div(sec, DAY)
  local rem = sec - days * DAY
  local z = days + 719468
  local era = floor_div(z, 146097)
  local doe = z - era * 146097
  local yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  local mp = floor((5 * doy + 2) / 153)
  local d = doy - floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then
    y = y + 1
  end
  return y, m, d, floor(rem / 3600), floor(rem % 3600 / 60), rem % 60
end

-- rfc3339_millis writes an instant as "2006-01-02T15:04:05.000Z"
-- (evtime.AppendRFC3339Millis: milliseconds truncated).
local last_sec, last_prefix
local function rfc3339_millis(sec, nsec)
  if sec ~= last_sec then -- the records of a chunk share their seconds
    local y, m, d, hh, mm, ss = civil(sec)
    last_sec, last_prefix = sec, format("%04d-%02d-%02dT%02d:%02d:%02d.", y, m, d, hh, mm, ss)
  end
  return format("%s%03dZ", last_prefix, floor(nsec / 1e6))
end

-- read_time is the time the filter received (Fluent Bit's read time): a
-- table { sec, nsec } (time_as_table on) or a float of seconds, exact to
-- the microsecond.
local function read_time(ts)
  if type(ts) == "table" then
    return tonumber(ts.sec) or 0, tonumber(ts.nsec) or 0
  elseif type(ts) == "number" then
    local us = floor(ts * 1e6 + 0.5)
    local sec = floor_div(us, 1e6)
    return sec, (us - sec * 1e6) * 1e3
  end
  return os_time(), 0
end

-- with_time is the filter's timestamp set to an instant, in the form the
-- filter received it.
local function with_time(ts, sec, nsec)
  if type(ts) == "table" then
    return { sec = sec, nsec = nsec }
  end
  return sec + nsec / 1e9
end

---------------------------------------------------------------------------
-- Which keys stay at the top (internal/ecsschema ValueIsECS)
---------------------------------------------------------------------------

local function is_ipv4(b)
  local parts, i, n = 0, 1, #b
  while true do
    local j, v = i, 0
    while j <= n and j - i < 4 do
      local c = byte(b, j)
      if not isdigit(c) then
        break
      end
      v = v * 10 + c - 48
      j = j + 1
    end
    local d = j - i
    if d == 0 or d > 3 or v > 255 or (d > 1 and byte(b, i) == 48) then
      return false
    end
    parts = parts + 1
    if j > n then
      return parts == 4
    end
    if byte(b, j) ~= 46 or parts == 4 then
      return false
    end
    i = j + 1
  end
end

local function is_hex(c)
  return c ~= nil and ((c >= 48 and c <= 57) or (c >= 97 and c <= 102) or (c >= 65 and c <= 70))
end

local function is_ipv6(b)
  local n = #b
  local groups, ellipsis, i = 0, false, 1
  if n >= 2 and byte(b, 1) == 58 and byte(b, 2) == 58 then
    ellipsis, i = true, 3
    if i > n then
      return true -- "::"
    end
  end
  while i <= n do
    local j = i
    while j <= n and is_hex(byte(b, j)) do
      j = j + 1
    end
    if j <= n and byte(b, j) == 46 then -- an embedded IPv4 address ends it
      if groups > 6 or not is_ipv4(sub(b, i)) then
        return false
      end
      groups = groups + 2
      break
    end
    if j == i or j - i > 4 then
      return false
    end
    groups = groups + 1
    i = j
    if i > n then
      break
    end
    if byte(b, i) ~= 58 then
      return false -- a zone ('%') or anything else
    end
    i = i + 1
    if i <= n and byte(b, i) == 58 then
      if ellipsis then
        return false
      end
      ellipsis = true
      i = i + 1
      if i > n then
        break
      end
    elseif i > n then
      return false -- a trailing single ':'
    end
  end
  if ellipsis then
    return groups < 8
  end
  return groups == 8
end

-- is_ip: an IPv4 or IPv6 address without zone (isIP).
local function is_ip(b)
  if find(b, ":", 1, true) then
    return is_ipv6(b)
  end
  return is_ipv4(b)
end

-- is_epoch_millis: -?digits (1-19) with an optional fraction of 1-6 digits.
local function is_epoch_millis(b)
  if byte(b, 1) == 45 then
    b = sub(b, 2)
  end
  local i, n = 0, #b
  while i < n and isdigit(byte(b, i + 1)) do
    i = i + 1
  end
  if i == 0 or i > 19 then
    return false
  end
  if i == n then
    return true
  end
  local frac = n - i - 1
  if byte(b, i + 1) ~= 46 or frac < 1 or frac > 6 then
    return false
  end
  return not find(b, "[^0-9]", i + 2)
end

-- is_date: what Elasticsearch's default date format reads (isDate); the
-- offsets i are Go's (from 0).
local function is_date(b)
  if is_epoch_millis(b) then
    return true
  end
  local n = #b
  local function num(i, k)
    if i + k > n then
      return nil
    end
    return all_digits(sub(b, i + 1, i + k))
  end
  local year = num(0, 4)
  if year == nil then
    return false
  end
  local i, month, day = 4, 1, 1
  if i < n then
    if byte(b, i + 1) ~= 45 then
      return false
    end
    month = num(i + 1, 2)
    if month == nil or month < 1 or month > 12 then
      return false
    end
    i = i + 3
  end
  if i < n then
    if byte(b, i + 1) ~= 45 then
      return false
    end
    day = num(i + 1, 2)
    if day == nil or day < 1 or day > days_in(month, year) then
      return false
    end
    i = i + 3
  end
  if i == n then
    return true
  end
  if i ~= 10 or byte(b, i + 1) ~= 84 then
    return false
  end
  i = i + 1
  local h = num(i, 2)
  if h == nil or h > 23 then
    return false
  end
  i = i + 2
  for _ = 1, 2 do
    if i < n and byte(b, i + 1) == 58 then
      local v = num(i + 1, 2)
      if v == nil or v > 59 then
        return false
      end
      i = i + 3
    else
      break
    end
  end
  if i == 19 and i < n and (byte(b, i + 1) == 46 or byte(b, i + 1) == 44) then
    local j = i + 1
    while j < n and isdigit(byte(b, j + 1)) do
      j = j + 1
    end
    if j == i + 1 or j - i - 1 > 9 then
      return false
    end
    i = j
  end
  if i == n then
    return true
  end
  local rest = sub(b, i + 1)
  if rest == "Z" then
    return true
  end
  local c = byte(rest, 1)
  if c ~= 43 and c ~= 45 then
    return false
  end
  local hh = num(i + 1, 2)
  if hh == nil or hh > 23 then
    return false
  end
  local r = #rest
  if r == 3 then
    return true
  elseif r == 5 then
    local m = num(i + 3, 2)
    return m ~= nil and m <= 59
  elseif r == 6 then
    local m = num(i + 4, 2)
    return m ~= nil and byte(rest, 4) == 58 and m <= 59
  end
  return false
end

local function is_finite(v)
  return v == v and v > -huge and v < huge
end

-- The leaf checks by class (leaf): a scalar that fits the field's type.
local TWO63, TWO64 = 2 ^ 63, 2 ^ 64
local function int_in(v, lo, hi)
  return is_whole(v) and v >= lo and v <= hi
end
local LEAF = {
  string = function(v) return type(v) == "string" end,
  boolean = function(v) return type(v) == "boolean" end,
  ip = function(v) return type(v) == "string" and is_ip(v) end,
  date = function(v)
    if type(v) == "string" then
      return is_date(v)
    end
    return type(v) == "number" and is_whole(v) and v >= -TWO63 and v < TWO63
  end,
  long = function(v) return type(v) == "number" and is_whole(v) and v >= -TWO63 and v < TWO63 end,
  integer = function(v) return type(v) == "number" and int_in(v, -2147483648, 2147483647) end,
  short = function(v) return type(v) == "number" and int_in(v, -32768, 32767) end,
  byte = function(v) return type(v) == "number" and int_in(v, -128, 127) end,
  unsigned_long = function(v) return type(v) == "number" and is_whole(v) and v >= 0 and v < TWO64 end,
  double = function(v) return type(v) == "number" and is_finite(v) end,
  float = function(v) return type(v) == "number" and is_finite(v) and v >= -3.4028234663852886e38 and v <= 3.4028234663852886e38 end,
  half_float = function(v) return type(v) == "number" and is_finite(v) and v >= -65504 and v <= 65504 end,
}

-- keyword_map: a map of non-empty, dot-free string keys whose values are
-- strings, null, or arrays of those (an object field without subfields).
local function keyword_map(v)
  if type(v) ~= "table" then
    return false
  end
  for k, x in pairs(v) do
    if type(k) ~= "string" or k == "" or find(k, ".", 1, true) then
      return false
    end
    if type(x) == "table" and is_array(x) then
      for i = 1, #x do
        if type(x[i]) ~= "string" and not is_null(x[i]) then
          return false
        end
      end
    elseif type(x) ~= "string" and not is_null(x) then
      return false
    end
  end
  return true
end

-- string_keys: a value whose maps, at every depth (to ECS_MAX_DEPTH), have
-- string keys only (a flattened field).
local function string_keys(v, depth)
  if depth > ECS_MAX_DEPTH then
    return false
  end
  if type(v) ~= "table" then
    return true
  end
  if kind(v) == "map" then
    for k, x in pairs(v) do
      if type(k) ~= "string" or not string_keys(x, depth + 1) then
        return false
      end
    end
  else
    for i = 1, #v do
      if not string_keys(v[i], depth + 1) then
        return false
      end
    end
  end
  return true
end

-- geo_point: a map of exactly lat and lon, numbers in range.
local function geo_point(v)
  if type(v) ~= "table" then
    return false
  end
  local n = 0
  for k in pairs(v) do
    if k ~= "lat" and k ~= "lon" then
      return false
    end
    n = n + 1
  end
  local lat, lon = v.lat, v.lon
  return n == 2 and type(lat) == "number" and type(lon) == "number" and is_finite(lat) and is_finite(lon)
    and lat >= -90 and lat <= 90 and lon >= -180 and lon <= 180
end

-- fits checks the value v against the ECS path (fits): null fits any path,
-- an array when every element fits, a map at a parent when each key's path
-- fits, a leaf by its class.
local function fits(path, v, depth)
  if depth > ECS_MAX_DEPTH then
    return false
  end
  local class = ECS_FIELDS[path]
  if class == nil then
    return false
  end
  if is_null(v) then
    return true
  end
  local tv = type(v)
  if tv == "table" and kind(v) ~= "map" then
    for i = 1, #v do
      if not fits(path, v[i], depth + 1) then
        return false
      end
    end
    return true
  end
  if class == "parent" then
    if tv ~= "table" then
      return false
    end
    for k, x in pairs(v) do
      if type(k) ~= "string" or #path + 1 + #k > ECS_MAX_PATH or not fits(path .. "." .. k, x, depth + 1) then
        return false
      end
    end
    return true
  elseif class == "object" then
    return keyword_map(v)
  elseif class == "flattened" then
    return tv == "table" and string_keys(v, depth)
  elseif class == "geo_point" then
    return geo_point(v)
  end
  if tv == "table" then
    return false
  end
  local leaf = LEAF[class]
  return leaf ~= nil and leaf(v)
end

-- value_is_ecs: the top-level key k with the value v may stay at the top
-- (ecsschema.ValueIsECS).
local function value_is_ecs(k, v)
  return type(k) == "string" and #k > 0 and #k <= ECS_MAX_PATH and fits(k, v, 0)
end

---------------------------------------------------------------------------
-- Names under the namespace (internal/keyname)
---------------------------------------------------------------------------

local C_SEP, C_LOWER, C_UPPER, C_DIGIT, C_OTHER = 0, 1, 2, 3, 4
local CLASS = {}
for c = 0, 255 do
  if c >= 97 and c <= 122 then
    CLASS[c] = C_LOWER
  elseif c >= 65 and c <= 90 then
    CLASS[c] = C_UPPER
  elseif c >= 48 and c <= 57 then
    CLASS[c] = C_DIGIT
  elseif c >= 128 then
    CLASS[c] = C_OTHER
  else
    CLASS[c] = C_SEP
  end
end

-- key_name is the ECS-style name of a key (keyname.Append): split into
-- words at every byte that is not a letter, digit or non-ASCII byte and at
-- case changes, lower-cased, joined with '_'.
local key_name = memo(function(key)
  local out, n = {}, 0
  local len = #key
  local prev, split = C_SEP, false
  local i = 1
  while i <= len do
    local cl = CLASS[byte(key, i)]
    if cl == C_SEP then
      split = n > 0
      prev = C_SEP
      i = i + 1
    elseif cl == C_UPPER then
      if not split and n > 0 then
        if prev == C_LOWER or prev == C_DIGIT then
          split = true
        elseif prev == C_UPPER then
          split = i < len and CLASS[byte(key, i + 1)] == C_LOWER
        end
      end
      if split then
        n = n + 1
        out[n] = "_"
        split = false
      end
      n = n + 1
      out[n] = char(byte(key, i) + 32)
      prev = C_UPPER
      i = i + 1
    else
      -- A run of lower-case letters, digits and non-ASCII bytes.
      local j = i + 1
      while j <= len do
        local c = CLASS[byte(key, j)]
        if c == C_SEP or c == C_UPPER then
          break
        end
        j = j + 1
      end
      if split then
        n = n + 1
        out[n] = "_"
        split = false
      end
      n = n + 1
      out[n] = sub(key, i, j - 1)
      prev = CLASS[byte(key, j - 1)]
      i = j
    end
  end
  if n == 0 then
    return KEYNAME_EMPTY
  end
  return concat(out)
end)

-- key_text is a key that is not a string as text (mp.AppendJSON renders
-- it so): an integer in decimal, other numbers in their shortest form,
-- true, false.
local function key_text(k)
  if type(k) == "number" then
    if is_int(k) then
      return format("%.0f", k)
    end
    for p = 15, 17 do
      local s = format("%." .. p .. "g", k)
      if tonumber(s) == k then
        return s
      end
    end
  end
  return tostring(k)
end

local function name_of(k)
  if type(k) == "string" then
    return key_name(k)
  end
  return key_name(key_text(k))
end

-- The order names are given in when keys collide: by the key's text, then
-- its type (Lua has no record order).
local function key_less(a, b)
  local ta, tb = type(a) == "string" and a or key_text(a), type(b) == "string" and b or key_text(b)
  if ta ~= tb then
    return ta < tb
  end
  return type(a) < type(b)
end

-- too_deep: v nests maps and arrays deeper than KEYNAME_MAX_DEPTH (v
-- itself at depth).
local function too_deep(v, depth)
  if type(v) ~= "table" then
    return false
  end
  if depth > KEYNAME_MAX_DEPTH then
    return true
  end
  for _, x in pairs(v) do
    if type(x) == "table" and too_deep(x, depth + 1) then
      return true
    end
  end
  return false
end

local rename_value

-- rename_map names the keys of the map m ECS style, at every depth
-- (keyname.AppendValue), in place when no two names collide. Colliding
-- names are given in key_less order: the first keeps the name, the later
-- ones get _2, _3, ..., each skipping every name another key of the map has
-- or gets.
local function rename_map(m)
  local keys, own, names, n = {}, {}, {}, 0
  local dup = false
  for k in pairs(m) do
    n = n + 1
    keys[n] = k
    local name = name_of(k)
    own[n] = name
    if names[name] then
      dup = true
    end
    names[name] = true
  end
  if not dup then
    -- No name is another key's (a name is its own name), so no key is
    -- overwritten.
    for i = 1, n do
      local k, name = keys[i], own[i]
      local v = m[k]
      if name ~= k then
        m[k] = nil
      end
      m[name] = rename_value(v)
    end
    return m
  end
  sort(keys, key_less)
  local out, written, next_of = {}, {}, {}
  for i = 1, n do
    local k = keys[i]
    local name = name_of(k)
    if written[name] then
      local j = next_of[name] or 2
      local cand
      repeat
        cand = name .. "_" .. j
        j = j + 1
      until not names[cand] and not written[cand]
      next_of[name] = j
      name = cand
    end
    written[name] = true
    out[name] = rename_value(m[k])
  end
  return setmetatable(out, getmetatable(m) or MAP_MT)
end

-- rename_value names the keys of the maps in v (arrays in place).
rename_value = function(v)
  if type(v) ~= "table" then
    return v
  end
  if kind(v) == "map" then
    return rename_map(v)
  end
  for i = 1, #v do
    v[i] = rename_value(v[i])
  end
  return v
end

---------------------------------------------------------------------------
-- Writing (enrich/write.go)
---------------------------------------------------------------------------

-- has_dataset_marker: an event map whose dataset is a vendor's <id>.audit
-- (hasDatasetMarker).
local function has_dataset_marker(event)
  if type(event) ~= "table" then
    return false
  end
  local d = event.dataset
  return type(d) == "string" and DATASETS[d] == true
end

local function has_marker(tags)
  if type(tags) ~= "table" then
    return false
  end
  for i = 1, #tags do
    if tags[i] == MARKER_TAG then
      return true
    end
  end
  return false
end

-- copy_list copies a list of the catalog, marked as an array: Fluent Bit
-- writes an empty one as [] (event.category of an entry without one).
local function copy_list(t)
  local out = setmetatable({}, ARRAY_MT)
  for i = 1, #t do
    out[i] = t[i]
  end
  return out
end

-- merge adds the pairs of add to the record's map under key, keeping the
-- keys it has; a value that is not a map is kept as it is (auditx counts a
-- conflict).
local function merge(record, key, add)
  local cur = record[key]
  if cur == nil then
    record[key] = add
  elseif type(cur) == "table" and is_map(cur) then
    for k, v in pairs(add) do
      if cur[k] == nil then
        cur[k] = v
      end
    end
  end
end

-- unrecognized passes a record auditx does not enrich with only
-- data_stream, dataset UNRECOGNIZED_DATASET, unless it has a data_stream
-- (writeDataStream).
local function unrecognized(timestamp, record)
  if DATA_STREAM_NAMESPACE == nil or record.data_stream ~= nil then
    return 0, timestamp, record
  end
  record.data_stream = { type = DATA_STREAM_TYPE, dataset = UNRECOGNIZED_DATASET, namespace = DATA_STREAM_NAMESPACE }
  return 2, timestamp, record
end

-- move_to_namespace moves every top-level key whose value is not ECS,
-- whole, under <vendor id>.audit, named ECS style (writeGroupsNS).
local function move_to_namespace(record, id)
  local moved, any = setmetatable({}, MAP_MT), false
  for k, v in pairs(record) do
    if not value_is_ecs(k, v) then
      moved[k] = v
      any = true
    end
  end
  if not any then
    return
  end
  for k in pairs(moved) do
    record[k] = nil
  end
  if not too_deep(moved, 1) then
    moved = rename_map(moved)
  end -- else, nested deeper than keyname names: the keys as they are
  record[id] = { [NS_KEY] = moved }
end

function auditx_enrich(tag, timestamp, record)
  NULL = flb_null
  if type(record) ~= "table" or has_marker(record.tags) or has_dataset_marker(record.event) then
    return 0, timestamp, record
  end
  -- One pass over the top-level keys (auditx's scan).
  local s = {}
  for k, v in pairs(record) do
    if type(k) == "string" then
      local n = norm_key(k)
      if WATCHED[n] and s[n] == nil then
        s[n] = v
      end
    end
  end
  local vendor = FIXED_VENDOR or detect(s)
  if vendor == nil then
    return unrecognized(timestamp, record)
  end
  local info = VENDORS[vendor]
  local code, entry, why = code_of(vendor, s)
  if why ~= nil and not NAMESPACE then
    return unrecognized(timestamp, record)
  end

  -- Outcome and severity: the catalog's default, unless the record says;
  -- an unknown code stays outcome unknown, whatever the record says; a
  -- record without a code says nothing.
  local outcome, score, number = "unknown", nil, nil
  if why == nil then
    if entry then
      outcome, score, number = entry[5], entry[6], entry[7]
    end
    local o
    o, score, number = from_record(info, s, outcome, score, number)
    if entry then
      outcome = o
    end
  end
  local sec, nsec, zoneless
  local no_time = false
  if EVENT_TIME and info.time then
    sec, nsec, zoneless = event_time(info.time, s)
    no_time = sec == nil
  end

  local event = { kind = "event", module = info.module, dataset = info.dataset, code = code, outcome = outcome }
  if entry then
    event.action, event.reason = entry[1], entry[2]
    event.category, event.type = copy_list(entry[3]), copy_list(entry[4])
  end
  local add_tags = setmetatable({ MARKER_TAG }, ARRAY_MT)
  if entry == nil and code ~= nil then
    add_tags[#add_tags + 1] = UNKNOWN_CODE_TAG
  end
  if NAMESPACE then
    event.severity, event.risk_score_norm = number, score
    event.created = rfc3339_millis(read_time(timestamp))
    if zoneless then
      event.timezone = TZ_NAME
    end
    if why ~= nil then
      add_tags[#add_tags + 1] = why
    end
    if no_time then
      add_tags[#add_tags + 1] = NO_EVENT_TIME_TAG
    end
    move_to_namespace(record, info.id)
  else
    event.severity = score
  end

  merge(record, "event", event)
  merge(record, "observer", { vendor = info.company, product = info.product })
  local tags = record.tags
  if tags == nil then
    record.tags = add_tags
  elseif type(tags) == "table" and is_array(tags) then
    for i = 1, #add_tags do
      tags[#tags + 1] = add_tags[i]
    end
  end
  if NAMESPACE then
    merge(record, "ecs", { version = ECS_VERSION })
  end
  if DATA_STREAM_NAMESPACE ~= nil then
    merge(record, "data_stream", { type = DATA_STREAM_TYPE, dataset = info.dataset, namespace = DATA_STREAM_NAMESPACE })
  end
  if sec ~= nil and sec >= 0 and sec <= MAX_EVENT_SECOND then
    return 1, with_time(timestamp, sec, nsec), record
  end
  return 2, timestamp, record
end
