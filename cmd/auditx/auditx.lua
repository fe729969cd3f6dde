local type, pairs, next, floor = type, pairs, next, math.floor
local byte, find, sub, gsub, lower, upper, format, rep = string.byte, string.find, string.sub, string.gsub, string.lower, string.upper, string.format, string.rep


-- Key normalisation, memoised: records of one source repeat their keys.
local norm_cache, norm_count = {}, 0
local function norm_key(k)
  local n = norm_cache[k]
  if n == nil then
    n = lower((gsub(k, "[ _%-]", "")))
    if norm_count >= 4096 then
      norm_cache, norm_count = {}, 0
    end
    norm_cache[k] = n
    norm_count = norm_count + 1
  end
  return n
end

-- trim drops spaces and tabs at both ends (auditx's catalog.TrimBlanks); most values
-- have none, so the patterns run only when an end is one.
local function trim(s)
  local a, z = byte(s, 1), byte(s, -1)
  if a ~= 32 and a ~= 9 and z ~= 32 and z ~= 9 then
    return s
  end
  return (gsub(gsub(s, "^[ \t]+", ""), "[ \t]+$", ""))
end

-- digits parses 1 to 18 decimal digits.
local function digits(s)
  local n = #s
  if n == 0 or n > 18 or find(s, "[^0-9]") then
    return nil
  end
  return tonumber(s)
end

local function is_int(v)
  return v == floor(v) and v >= -1e15 and v <= 1e15
end

-- An empty table is taken as an array for tags, as a map for event/observer.
local function is_array(t)
  return t[1] ~= nil or next(t) == nil
end
local function is_map(t)
  return t[1] == nil
end

-- Canonical codes (catalog/normalize.go).
local function normalize_digits(vendor, s)
  s = trim(s)
  if s == "" or #s > MAX_CODE_LEN or find(s, "[^0-9]") then
    return nil
  end
  if byte(s, 1) == 48 then -- leading zeros: keep one digit
    s = gsub(s, "^0+", "")
    if s == "" then
      s = "0"
    end
  end
  if vendor == "filingbox" and #s < 3 then
    s = rep("0", 3 - #s) .. s
  end
  return s
end

local function normalize_pair(entity, action)
  entity, action = trim(entity), trim(action)
  if entity == "" or action == "" or #entity + 1 + #action > MAX_CODE_LEN then
    return nil
  end
  local joined = entity .. "." .. action
  if find(joined, "[^A-Za-z0-9_ %-%.]") or find(entity, ".", 1, true) or find(action, ".", 1, true) then
    return nil
  end
  return (gsub(upper(joined), "[ %-]", "_"))
end

-- Syslog severity number to event.severity (SYSLOG_SCORE).
local function syslog_score(n)
  if n == nil then
    return nil
  end
  return SYSLOG_SCORE[n]
end

-- PrivX severity: 6, "6", "Info(6)", "WARNING" (severityValue).
local function severity_of(v)
  local tv = type(v)
  if tv == "number" then
    if v == floor(v) then
      return syslog_score(v)
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
      return syslog_score(n)
    end
    s = sub(s, 1, open - 1)
  end
  local n = digits(s)
  if n then
    return syslog_score(n)
  end
  local lvl = SYSLOG_NAMES[lower(s)]
  if lvl then
    return syslog_score(lvl)
  end
  return nil
end

-- Netop result code: an integer or a string of digits (intValue).
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
      return v, true
    end
  end
  return nil, false
end

-- The vendor by the record's keys (enrich/record.go detect).
local function detect(s)
  if s.eventid ~= nil and (s.eventname ~= nil or s.servicename ~= nil) then
    return "privx"
  elseif s.entitytype ~= nil and s.action ~= nil then
    return "netop"
  elseif s.eventtype ~= nil then
    return "plusauth"
  elseif s.code ~= nil or s.eventcode ~= nil then
    return "filingbox"
  elseif s.eventid ~= nil then
    return "privx"
  end
  return nil
end

-- code returns the canonical code (or the trimmed input when it cannot be
-- one) and the catalog entry, or nil when the record passes untouched (no
-- code, or a value that cannot be a code).
local function code_of(vendor, s)
  local cat = CATALOG[vendor] or {}
  if vendor == "netop" then
    local e, a = s.entitytype, s.action
    if type(e) ~= "string" or type(a) ~= "string" or #e > MAX_CODE_LEN or #a > MAX_CODE_LEN then
      return nil
    end
    if trim(e) == "" or trim(a) == "" then
      return nil
    end
    local norm = normalize_pair(e, a)
    if norm then
      return norm, cat[norm]
    end
    return trim(e) .. "." .. trim(a), nil
  end
  local v
  if vendor == "filingbox" then
    v = s.code
    if v == nil then
      v = s.eventcode
    end
  elseif vendor == "plusauth" then
    v = s.eventtype
  else
    v = s.eventid
  end
  local tv = type(v)
  if tv == "number" then
    if not is_int(v) or v < 0 then
      return nil
    end
    if v == 0 then
      v = "0" -- also -0.0
    else
      v = format("%.0f", v)
    end
  elseif tv == "string" then
    v = trim(v)
    if v == "" or #v > MAX_CODE_LEN then
      return nil
    end
  else
    return nil
  end
  local norm = normalize_digits(vendor, v)
  if norm then
    return norm, cat[norm]
  end
  return v, nil
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

local function copy_list(t)
  local out = {}
  for i = 1, #t do
    out[i] = t[i]
  end
  return out
end

-- merge adds the pairs of add to the record's map under key, keeping the
-- keys it has; a non-map value is kept as it is (auditx counts a conflict).
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

function auditx_enrich(tag, timestamp, record)
  if type(record) ~= "table" or has_marker(record.tags) then
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
    return 0, timestamp, record
  end
  local code, entry = code_of(vendor, s)
  if code == nil then
    return 0, timestamp, record
  end

  -- Outcome and severity: the catalog's default, unless the record says.
  local outcome, severity = "unknown", nil
  if entry then
    outcome, severity = entry[5], entry[6]
  end
  if vendor == "filingbox" then
    local t = s.type
    if entry and type(t) == "string" and lower(trim(t)) == "fault" then
      outcome = "failure"
    end
  elseif vendor == "netop" then
    local n = int_of(s.resultcode)
    if entry and n then
      if n == 0 then
        outcome = "success"
      elseif n > 0 then
        outcome = "failure"
      end
    end
  elseif vendor == "privx" then
    local v, found = child(s.message, "severity")
    if not found then
      v = s.severity
    end
    if v ~= nil then
      local sev = severity_of(v)
      if sev then
        severity = sev
      end
    end
  end

  local info = VENDORS[vendor]
  local event = { kind = "event", module = info.module, dataset = info.dataset, code = code, outcome = outcome }
  if entry then
    event.action, event.reason = entry[1], entry[2]
    event.category, event.type = copy_list(entry[3]), copy_list(entry[4])
  end
  if severity then
    event.severity = severity
  end
  merge(record, "event", event)
  merge(record, "observer", { vendor = info.company, product = info.product })
  local tags = record.tags
  if tags == nil then
    tags = {}
    record.tags = tags
  end
  if type(tags) == "table" and is_array(tags) then
    tags[#tags + 1] = MARKER_TAG
    if not entry then
      tags[#tags + 1] = UNKNOWN_CODE_TAG
    end
  end
  return 2, timestamp, record
end
