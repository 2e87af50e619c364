/* The error-code tables behind errors.h.
 *
 * Each family is an X-macro list of X(NAME, 0xVALUE, "text"): NAME is the
 * Windows symbol, VALUE its HRESULT as published in the SDK headers
 * (bitsmsg.h, deliveryoptimizationerrors.h, qmgr.h), text our own short
 * description. Only names and values come from those headers; every text
 * here is written for this project.
 *
 * Include errors.h rather than this file. */
#ifndef BITSDO_CORE_ERRORS_TABLE_H
#define BITSDO_CORE_ERRORS_TABLE_H

/* clang-format off */

/* BITS (bitsmsg.h): facility 0x20 codes, then BG_E_HTTP_ERROR_nnn
 * (0x80190000 | status). 0x8020002F..0x8020003D are the transport codes
 * MinGW-w64's bitsmsg.h carries (the current SDK lists them as reserved);
 * 0x80200041 and later come from the current SDK header. */
#define BITSDO_BG_ERRORS(X) \
    X(BG_E_NOT_FOUND, 0x80200001, "No job with this identifier exists.") \
    X(BG_E_INVALID_STATE, 0x80200002, "The job is not in a state that allows this request; it may already be cancelled or acknowledged.") \
    X(BG_E_EMPTY, 0x80200003, "The job has no files; add at least one file first.") \
    X(BG_E_FILE_NOT_AVAILABLE, 0x80200004, "There is no file to report: no URL has failed.") \
    X(BG_E_PROTOCOL_NOT_AVAILABLE, 0x80200005, "There is no protocol to report: no URL has failed.") \
    X(BG_S_ERROR_CONTEXT_NONE, 0x00200006, "Nothing has gone wrong.") \
    X(BG_E_ERROR_CONTEXT_UNKNOWN, 0x80200007, "The error came from an unidentified place.") \
    X(BG_E_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, 0x80200008, "The error came from the job manager itself.") \
    X(BG_E_ERROR_CONTEXT_LOCAL_FILE, 0x80200009, "The error came from the local file; check that nothing else holds it open.") \
    X(BG_E_ERROR_CONTEXT_REMOTE_FILE, 0x8020000A, "The error came from the remote file.") \
    X(BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT, 0x8020000B, "The error came from the network layer; the server could not be reached.") \
    X(BG_E_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION, 0x8020000C, "The error came from the application's notification callback; it will be called again later.") \
    X(BG_E_DESTINATION_LOCKED, 0x8020000D, "The destination volume is locked by another program; the job retries once it is free.") \
    X(BG_E_VOLUME_CHANGED, 0x8020000E, "The destination volume is no longer the one the job started on; put the original back and resume.") \
    X(BG_E_ERROR_INFORMATION_UNAVAILABLE, 0x8020000F, "The job has no error to report.") \
    X(BG_E_NETWORK_DISCONNECTED, 0x80200010, "No network connection is up; the job waits for one.") \
    X(BG_E_MISSING_FILE_SIZE, 0x80200011, "The server did not say how large the file is (no Content-Length).") \
    X(BG_E_INSUFFICIENT_HTTP_SUPPORT, 0x80200012, "The server does not speak HTTP/1.1.") \
    X(BG_E_INSUFFICIENT_RANGE_SUPPORT, 0x80200013, "The server ignores HTTP Range requests, which resuming a download needs.") \
    X(BG_E_REMOTE_NOT_SUPPORTED, 0x80200014, "Jobs cannot be managed from another machine.") \
    X(BG_E_NEW_OWNER_DIFF_MAPPING, 0x80200015, "The new owner maps drives differently; use UNC paths for the job's files.") \
    X(BG_E_NEW_OWNER_NO_FILE_ACCESS, 0x80200016, "The new owner cannot reach the job's local files; check their permissions.") \
    X(BG_S_PARTIAL_COMPLETE, 0x00200017, "The job was completed, but files that were not fully transferred were removed.") \
    X(BG_E_PROXY_LIST_TOO_LARGE, 0x80200018, "The proxy list is longer than 32,000 characters.") \
    X(BG_E_PROXY_BYPASS_LIST_TOO_LARGE, 0x80200019, "The proxy bypass list is longer than 32,000 characters.") \
    X(BG_S_UNABLE_TO_DELETE_FILES, 0x0020001A, "The job ended, but some temporary files could not be removed.") \
    X(BG_E_INVALID_SERVER_RESPONSE, 0x8020001B, "The server's reply broke the protocol; resume the job to try again.") \
    X(BG_E_TOO_MANY_FILES, 0x8020001C, "No further file can be added to this job.") \
    X(BG_E_LOCAL_FILE_CHANGED, 0x8020001D, "The local file changed while it was being sent; create the job again.") \
    X(BG_E_ERROR_CONTEXT_REMOTE_APPLICATION, 0x8020001E, "The error was reported by the server-side application.") \
    X(BG_E_SESSION_NOT_FOUND, 0x8020001F, "The server no longer knows the upload session; it will be tried again.") \
    X(BG_E_TOO_LARGE, 0x80200020, "The server refuses a job this large.") \
    X(BG_E_STRING_TOO_LONG, 0x80200021, "The string is longer than allowed.") \
    X(BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH, 0x80200022, "Client and server use incompatible upload protocol versions.") \
    X(BG_E_SERVER_EXECUTE_ENABLE, 0x80200023, "The upload directory on the server allows scripts or executables; turn that off to upload there.") \
    X(BG_E_NO_PROGRESS, 0x80200024, "The job stopped moving forward; the server may be set up wrongly. It will be tried again.") \
    X(BG_E_USERNAME_TOO_LARGE, 0x80200025, "The user name is longer than 300 characters.") \
    X(BG_E_PASSWORD_TOO_LARGE, 0x80200026, "The password is longer than 65,536 characters.") \
    X(BG_E_INVALID_AUTH_TARGET, 0x80200027, "The credentials name an unknown authentication target.") \
    X(BG_E_INVALID_AUTH_SCHEME, 0x80200028, "The credentials name an unknown authentication scheme.") \
    X(BG_E_FILE_NOT_FOUND, 0x80200029, "No file of the job has that name.") \
    X(BG_S_PROXY_CHANGED, 0x0020002A, "The proxy server in use has changed.") \
    X(BG_E_INVALID_RANGE, 0x8020002B, "A requested byte range lies beyond the end of the remote file.") \
    X(BG_E_OVERLAPPING_RANGES, 0x8020002C, "Some of the requested byte ranges overlap.") \
    X(BG_E_CONNECT_FAILURE, 0x8020002D, "No connection to the server could be made.") \
    X(BG_E_CONNECTION_CLOSED, 0x8020002E, "The connection closed before the transfer ended.") \
    X(BG_E_KEEP_ALIVE_FAILURE, 0x8020002F, "A kept-alive connection was dropped by the server.") \
    X(BG_E_MESSAGE_LENGTH_LIMIT_EXCEEDED, 0x80200030, "A message was longer than the transport accepts.") \
    X(BG_E_NAME_RESOLUTION_FAILURE, 0x80200031, "The server's host name could not be resolved.") \
    X(BG_E_PENDING, 0x80200032, "The request is still in progress.") \
    X(BG_E_PIPELINE_FAILURE, 0x80200033, "A pipelined request failed.") \
    X(BG_E_PROTOCOL_ERROR, 0x80200034, "The server's reply could not be understood.") \
    X(BG_E_PROXY_NAME_RESOLUTION_FAILURE, 0x80200035, "The proxy's host name could not be resolved.") \
    X(BG_E_RECEIVE_FAILURE, 0x80200036, "Receiving data from the server failed.") \
    X(BG_E_REQUEST_CANCELED, 0x80200037, "The request was cancelled.") \
    X(BG_E_SECURE_CHANNEL_FAILURE, 0x80200038, "The secure (TLS) connection could not be set up.") \
    X(BG_E_SEND_FAILURE, 0x80200039, "Sending data to the server failed.") \
    X(BG_E_SERVER_PROTOCOL_VIOLATION, 0x8020003A, "The server broke the HTTP protocol.") \
    X(BG_E_TIMEOUT, 0x8020003B, "The server did not answer in time.") \
    X(BG_E_TRUST_FAILURE, 0x8020003C, "The server's certificate is not trusted.") \
    X(BG_E_UNKNOWN_ERROR, 0x8020003D, "The transport failed for an unknown reason.") \
    X(BG_E_BLOCKED_BY_POLICY, 0x8020003E, "A policy setting keeps jobs from running right now.") \
    X(BG_E_INVALID_PROXY_INFO, 0x8020003F, "The proxy or bypass list is malformed.") \
    X(BG_E_INVALID_CREDENTIALS, 0x80200040, "The credentials are malformed.") \
    X(BG_E_INVALID_HASH_ALGORITHM, 0x80200041, "That hash algorithm is not supported.") \
    X(BG_E_RECORD_DELETED, 0x80200042, "The cache record was deleted, so it cannot be updated.") \
    X(BG_E_COMMIT_IN_PROGRESS, 0x80200043, "Another thread is already updating this cache record.") \
    X(BG_E_DISCOVERY_IN_PROGRESS, 0x80200044, "A search for peers is already running; try again shortly.") \
    X(BG_E_UPNP_ERROR, 0x80200045, "The Internet gateway device reported a UPnP error.") \
    X(BG_E_TEST_OPTION_BLOCKED_DOWNLOAD, 0x80200046, "A test setting stopped the download after the peer search.") \
    X(BG_E_PEERCACHING_DISABLED, 0x80200047, "Peer caching is turned off.") \
    X(BG_E_BUSYCACHERECORD, 0x80200048, "The cache record is busy; try again shortly.") \
    X(BG_E_TOO_MANY_JOBS_PER_USER, 0x80200049, "This user already has as many jobs as allowed.") \
    X(BG_E_TOO_MANY_JOBS_PER_MACHINE, 0x80200050, "This machine already has as many jobs as allowed.") \
    X(BG_E_TOO_MANY_FILES_IN_JOB, 0x80200051, "The job already holds as many files as allowed.") \
    X(BG_E_TOO_MANY_RANGES_IN_FILE, 0x80200052, "The file already has as many byte ranges as allowed.") \
    X(BG_E_VALIDATION_FAILED, 0x80200053, "The server's reply did not pass validation.") \
    X(BG_E_MAXDOWNLOAD_TIMEOUT, 0x80200054, "The job ran past its maximum download time.") \
    X(BG_S_OVERRIDDEN_BY_POLICY, 0x00200055, "The settings were saved, but a policy overrides some of them.") \
    X(BG_E_TOKEN_REQUIRED, 0x80200056, "The job needs a helper security token that has not been supplied.") \
    X(BG_E_UNKNOWN_PROPERTY_ID, 0x80200057, "No job property has this identifier.") \
    X(BG_E_READ_ONLY_PROPERTY, 0x80200058, "This property can be read but not set.") \
    X(BG_E_BLOCKED_BY_COST_TRANSFER_POLICY, 0x80200059, "The job's cost policy does not allow transferring on the current network.") \
    X(BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY, 0x80200060, "This property applies to download jobs only.") \
    X(BG_E_READ_ONLY_PROPERTY_AFTER_ADDFILE, 0x80200061, "This property cannot change once the job has files.") \
    X(BG_E_READ_ONLY_PROPERTY_AFTER_RESUME, 0x80200062, "This property cannot change once the job has been resumed.") \
    X(BG_E_MAX_DOWNLOAD_SIZE_INVALID_VALUE, 0x80200063, "The maximum download size must be at least 1 byte.") \
    X(BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED, 0x80200064, "The job reached its maximum download size.") \
    X(BG_E_STANDBY_MODE, 0x80200065, "The machine is in standby; the transfer continues after it wakes.") \
    X(BG_E_USE_STORED_CREDENTIALS_NOT_SUPPORTED, 0x80200066, "Stored credentials can only be used for a proxy.") \
    X(BG_E_BLOCKED_BY_BATTERY_POLICY, 0x80200067, "The machine runs on battery; the transfer continues on mains power.") \
    X(BG_E_BLOCKED_BY_BATTERY_SAVER, 0x80200068, "Battery saver is on; the transfer continues once it is off.") \
    X(BG_E_WATCHDOG_TIMEOUT, 0x80200069, "An internal operation took longer than expected.") \
    X(BG_E_APP_PACKAGE_NOT_FOUND, 0x8020006A, "No app package matches the job's owner.") \
    X(BG_E_APP_PACKAGE_SCENARIO_NOT_SUPPORTED, 0x8020006B, "App packages cannot use jobs on this device.") \
    X(BG_E_DATABASE_CORRUPT, 0x8020006C, "The stored job list is damaged and will be rebuilt.") \
    X(BG_E_RANDOM_ACCESS_NOT_SUPPORTED, 0x8020006D, "Random access is not available for this kind of transfer.") \
    X(BG_E_BLOCKED_BY_BACKGROUND_ACCESS_POLICY, 0x8020006E, "The owning app may not transfer in the background right now.") \
    X(BG_E_BLOCKED_BY_GAME_MODE, 0x8020006F, "Game Mode holds the transfer back until the game loses focus.") \
    X(BG_E_BLOCKED_BY_SYSTEM_POLICY, 0x80200070, "System resources are short; the transfer continues later.") \
    X(BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD, 0x80200071, "Jobs with a custom HTTP method cannot do this.") \
    X(BG_E_UNSUPPORTED_JOB_CONFIGURATION, 0x80200072, "The job's settings do not allow this request.") \
    X(BG_E_REMOTE_FILE_CHANGED, 0x80200073, "The remote file changed during the transfer; resume the job to start over.") \
    X(BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED, 0x80200074, "The certificate validation callback is gone; set it again and resume.") \
    X(BG_E_READ_ONLY_WHEN_JOB_ACTIVE, 0x80200075, "Allowed only while the job is suspended, in error or transferred.") \
    X(BG_E_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK, 0x80200076, "The error came from the application's certificate validation callback.") \
    X(BG_E_HTTP_ERROR_100, 0x80190064, "HTTP 100 (Continue) arrived where a final reply was expected.") \
    X(BG_E_HTTP_ERROR_101, 0x80190065, "HTTP 101: the server wants to switch protocols.") \
    X(BG_E_HTTP_ERROR_200, 0x801900C8, "HTTP 200 arrived where it does not fit; the reply was not valid for the request.") \
    X(BG_E_HTTP_ERROR_201, 0x801900C9, "HTTP 201: the server created a resource instead of sending the file.") \
    X(BG_E_HTTP_ERROR_202, 0x801900CA, "HTTP 202: the server accepted the request but has not finished it.") \
    X(BG_E_HTTP_ERROR_203, 0x801900CB, "HTTP 203: the reply's metadata comes from a third party.") \
    X(BG_E_HTTP_ERROR_204, 0x801900CC, "HTTP 204: the server sent no content.") \
    X(BG_E_HTTP_ERROR_205, 0x801900CD, "HTTP 205 was not a valid reply to a download.") \
    X(BG_E_HTTP_ERROR_206, 0x801900CE, "HTTP 206 arrived where it does not fit the request.") \
    X(BG_E_HTTP_ERROR_300, 0x8019012C, "HTTP 300: the server offers several choices instead of the file.") \
    X(BG_E_HTTP_ERROR_301, 0x8019012D, "HTTP 301: the file has moved permanently.") \
    X(BG_E_HTTP_ERROR_302, 0x8019012E, "HTTP 302: the file is temporarily somewhere else.") \
    X(BG_E_HTTP_ERROR_303, 0x8019012F, "HTTP 303: the answer must be fetched from another URL.") \
    X(BG_E_HTTP_ERROR_304, 0x80190130, "HTTP 304 was not a valid reply to this request.") \
    X(BG_E_HTTP_ERROR_305, 0x80190131, "HTTP 305: the file must be fetched through a proxy.") \
    X(BG_E_HTTP_ERROR_307, 0x80190133, "HTTP 307: the file has moved temporarily.") \
    X(BG_E_HTTP_ERROR_400, 0x80190190, "HTTP 400: the server found the request malformed.") \
    X(BG_E_HTTP_ERROR_401, 0x80190191, "HTTP 401: the server wants the user to authenticate.") \
    X(BG_E_HTTP_ERROR_402, 0x80190192, "HTTP 402 was not a valid reply to this request.") \
    X(BG_E_HTTP_ERROR_403, 0x80190193, "HTTP 403: the server refuses access to the file.") \
    X(BG_E_HTTP_ERROR_404, 0x80190194, "HTTP 404: the server has no file at this URL.") \
    X(BG_E_HTTP_ERROR_405, 0x80190195, "HTTP 405: the server does not allow this method here.") \
    X(BG_E_HTTP_ERROR_406, 0x80190196, "HTTP 406: the server has no form of the file the client accepts.") \
    X(BG_E_HTTP_ERROR_407, 0x80190197, "HTTP 407: the proxy wants the user to authenticate.") \
    X(BG_E_HTTP_ERROR_408, 0x80190198, "HTTP 408: the server gave up waiting for the request.") \
    X(BG_E_HTTP_ERROR_409, 0x80190199, "HTTP 409: the request conflicts with the resource's current state.") \
    X(BG_E_HTTP_ERROR_410, 0x8019019A, "HTTP 410: the file is gone from the server for good.") \
    X(BG_E_HTTP_ERROR_411, 0x8019019B, "HTTP 411: the server wants a Content-Length.") \
    X(BG_E_HTTP_ERROR_412, 0x8019019C, "HTTP 412: a precondition of the request did not hold.") \
    X(BG_E_HTTP_ERROR_413, 0x8019019D, "HTTP 413: the request body is too large for the server.") \
    X(BG_E_HTTP_ERROR_414, 0x8019019E, "HTTP 414: the URL is too long for the server.") \
    X(BG_E_HTTP_ERROR_415, 0x8019019F, "HTTP 415 was not a valid reply to this request.") \
    X(BG_E_HTTP_ERROR_416, 0x801901A0, "HTTP 416: the server cannot serve the requested byte range.") \
    X(BG_E_HTTP_ERROR_417, 0x801901A1, "HTTP 417: the server cannot meet the Expect header.") \
    X(BG_E_HTTP_ERROR_449, 0x801901C1, "HTTP 449 was not a valid reply to this request.") \
    X(BG_E_HTTP_ERROR_500, 0x801901F4, "HTTP 500: the server hit an internal error.") \
    X(BG_E_HTTP_ERROR_501, 0x801901F5, "HTTP 501: the server does not implement what the request needs.") \
    X(BG_E_HTTP_ERROR_502, 0x801901F6, "HTTP 502: a gateway or proxy got a bad reply from upstream.") \
    X(BG_E_HTTP_ERROR_503, 0x801901F7, "HTTP 503: the server is overloaded or down for now.") \
    X(BG_E_HTTP_ERROR_504, 0x801901F8, "HTTP 504: a gateway timed out waiting for upstream.") \
    X(BG_E_HTTP_ERROR_505, 0x801901F9, "HTTP 505: the server does not support this HTTP version.")

/* Delivery Optimization (deliveryoptimizationerrors.h), facility 0xD0.
 * Transient codes are the failures whose code & 0xF800 == 0x3800 (the
 * header's IS_DO_TRANSIENT_ERROR); see bitsdo_do_error_is_transient. */
#define BITSDO_DO_ERRORS(X) \
    X(DO_E_NO_SERVICE, 0x80D01001, "Delivery Optimization could not serve the request.") \
    X(DO_E_DOWNLOAD_NO_PROGRESS, 0x80D02002, "The download made no progress within the allowed time.") \
    X(DO_E_JOB_NOT_FOUND, 0x80D02003, "No download with this identifier exists.") \
    X(DO_E_JOB_EMPTY, 0x80D02004, "The job has no files.") \
    X(DO_E_NO_DOWNLOADS, 0x80D02005, "There are no downloads right now.") \
    X(DO_E_MEMORYSTREAM_DOWNLOAD_NOT_SUPPORTED, 0x80D0200B, "This download cannot be delivered into a memory stream.") \
    X(DO_E_JOB_TOO_OLD, 0x80D0200C, "The download was neither finished nor aborted before it reached the maximum age.") \
    X(DO_E_LOCALPATH_NOT_SET, 0x80D0200D, "The download has no local path.") \
    X(DO_E_FILE_NOT_AVAILABLE, 0x80D02010, "There is no file to report: no URL has failed.") \
    X(DO_E_UNKNOWN_PROPERTY_ID, 0x80D02011, "No download property has this identifier.") \
    X(DO_E_READ_ONLY_PROPERTY, 0x80D02012, "This property can be read but not set.") \
    X(DO_E_INVALID_STATE, 0x80D02013, "The download is not in a state that allows this request; it may be aborted or finalized.") \
    X(DO_E_ERROR_INFORMATION_UNAVAILABLE, 0x80D02014, "The download has no error to report.") \
    X(DO_E_WRITE_ONLY_PROPERTY, 0x80D02015, "This property can be set but not read.") \
    X(DO_E_INTEGRITYCHECKINFO_UNSPECIFIED, 0x80D02016, "The download requires an integrity check but no check data was given.") \
    X(DO_E_INTEGRITYCHECKINFO_UNAVAILABLE, 0x80D02017, "The download requires an integrity check but its check data could not be fetched.") \
    X(DO_E_FILE_DOWNLOADSINK_UNSPECIFIED, 0x80D02018, "The download has neither a local path nor a stream to write to.") \
    X(DO_E_FILE_DOWNLOADSINK_ALREADY_SET, 0x80D02019, "The download already writes to the other kind of sink (path or stream).") \
    X(DO_E_FILE_SIZE_UNKNOWN_HTTP_200, 0x80D0201A, "The file size could not be learnt from the HTTP 200 reply.") \
    X(DO_E_FILE_ENCRYPTION_EXPECTED, 0x80D0201B, "A decryption key was given but the file is not encrypted.") \
    X(DO_E_FILE_SIZE_UNKNOWN_HTTP_206, 0x80D0201C, "The file size could not be learnt from the HTTP 206 reply.") \
    X(DO_E_FILE_SIZE_UNKNOWN_HTTP_2XX, 0x80D0201D, "The file size could not be learnt from an unexpected HTTP 2xx reply.") \
    X(DO_E_NETWORK_ACCESS_CONSENT_NEEDED, 0x80D0201E, "The user has to agree to network access first.") \
    X(DO_E_DOWNLOAD_NO_URI, 0x80D02200, "The download was started without a URI.") \
    X(DO_E_DOWNLOAD_NO_CONTENT_ID, 0x80D02201, "The download was started without a content ID.") \
    X(DO_E_INVALID_CONTENT_ID, 0x80D02202, "The content ID is malformed.") \
    X(DO_E_DOWNLOAD_RANGES_UNEXPECTED, 0x80D02203, "This download does not take byte ranges.") \
    X(DO_E_DOWNLOAD_RANGES_EXPECTED, 0x80D02204, "This download needs byte ranges.") \
    X(DO_E_NO_DOWNLOAD_PARTICIPATION, 0x80D03001, "Participation limits do not allow the download now.") \
    X(DO_E_NO_DOWNLOAD_EXTSETTINGS, 0x80D03002, "User or administrator settings do not allow the download.") \
    X(DO_E_BLOCKED_BY_COST_TRANSFER_POLICY, 0x80D03801, "Paused: the cost policy forbids transferring on this network.") \
    X(DO_E_DOWNLOADMODE_SET_BY_CP, 0x80D03802, "The content policy limits the download mode.") \
    X(DO_E_BLOCKED_BY_CELLULAR_POLICY, 0x80D03803, "Paused: policy forbids transferring over a cellular network.") \
    X(DO_E_BLOCKED_BY_POWER_STATE, 0x80D03804, "Paused: the machine left mains power.") \
    X(DO_E_BLOCKED_BY_NO_NETWORK, 0x80D03805, "Paused: the network connection was lost.") \
    X(DO_E_DOWNLOADMODE_SET_BY_POLICY, 0x80D03806, "A policy limits the download mode.") \
    X(DO_E_BLOCKED_BY_VPN_POLICY, 0x80D03807, "Paused: a VPN connection was detected.") \
    X(DO_E_BLOCKED_BY_CRITICAL_MEMORY_USAGE, 0x80D03808, "Paused: the system is critically short of memory.") \
    X(DO_E_DOWNLOADMODE_SET_BY_CACHE_ABSENCE, 0x80D03809, "The download mode is limited because there is no cache folder.") \
    X(DO_E_CLOUD_SERVICES_UNREACHABLE, 0x80D0380A, "One or more Delivery Optimization cloud services cannot be reached.") \
    X(DO_E_DOWNLOADMODE_SET_FOR_UNREG_CALLER, 0x80D0380B, "The download mode is limited for an unregistered caller.") \
    X(DO_E_DOWNLOADMODE_SET_FOR_SIMPLE_RANGES, 0x80D0380C, "The download uses simple ranges in simple mode.") \
    X(DO_E_UNEXPECTED_HTTP_STATUS_2XX, 0x80D0380D, "Paused: the server sent an unexpected HTTP 2xx status.") \
    X(DO_E_HTTP_BLOCKSIZE_MISMATCH, 0x80D05001, "The server sent a different amount of data than was asked for.") \
    X(DO_E_HTTP_CERT_VALIDATION, 0x80D05002, "The server's certificate did not validate.") \
    X(DO_E_INVALID_RANGE, 0x80D05010, "The byte range is not valid.") \
    X(DO_E_INSUFFICIENT_RANGE_SUPPORT, 0x80D05011, "The server ignores HTTP Range requests, which this download needs.") \
    X(DO_E_OVERLAPPING_RANGES, 0x80D05012, "Some of the byte ranges overlap.") \
    X(DO_E_UPLOADING_BAD_PIECES, 0x80D06800, "Too many bad pieces were seen while uploading to peers.") \
    X(DO_E_FATAL_CORE_ERROR, 0x80D06802, "The download engine hit an unrecoverable error.") \
    X(DO_E_SERVICES_RESPONSE_EMPTY, 0x80D06803, "A service answered with empty content.") \
    X(DO_E_BAD_INCOMING_DATA, 0x80D06804, "A content piece arrived damaged or incomplete.") \
    X(DO_E_BAD_PIECE_HASH, 0x80D06805, "A content piece failed its hash check.") \
    X(DO_E_BAD_PIECE_HASH_NO_BAN, 0x80D06806, "A content piece failed its hash check; its source is not banned yet.") \
    X(DO_E_ALREADY_HAVE_PIECE, 0x80D06807, "The piece is already in the cache.") \
    X(DO_E_MISSING_PIECE, 0x80D06808, "The requested piece is no longer in the cache.") \
    X(DO_E_METAINFO_CONTENT, 0x80D06809, "The content metadata could not be parsed.") \
    X(DO_E_METAINFO_VERSION, 0x80D0680A, "The content metadata has an unknown version.") \
    X(DO_E_SWARM_NOT_RUNNING, 0x80D0680B, "The peer swarm is not running.") \
    X(DO_E_UNRECOGNIZED_CONN, 0x80D0680C, "The connection manager does not know this peer.") \
    X(DO_E_PEER_BANNED, 0x80D0680D, "The peer is banned.") \
    X(DO_E_CONNECT_TO_SELF, 0x80D0680E, "The client tried to connect to itself.") \
    X(DO_E_ALREADY_CONNECTED, 0x80D0680F, "The peer is already connected.") \
    X(DO_E_NO_MORE_CONNECTIONS, 0x80D06810, "No more peer connections are allowed.") \
    X(DO_E_LOST_CONNECTION, 0x80D06811, "The peer connection was lost.") \
    X(DO_E_UNRECOGNIZED_SWARM, 0x80D06812, "The swarm identifier is unknown.") \
    X(DO_E_INVALID_HANDSHAKE_LEN, 0x80D06813, "A peer handshake had a bad length.") \
    X(DO_E_SOCKET_CLOSED, 0x80D06814, "The peer socket is closed.") \
    X(DO_E_PEER_MSG_TOO_LONG, 0x80D06815, "A peer message was too long.") \
    X(DO_E_INVALID_PEER_MSG, 0x80D06816, "A peer message was malformed.") \
    X(DO_E_PEER_IS_UPLOAD, 0x80D06817, "The peer connection is an upload.") \
    X(DO_E_PIN_FAIL_NO_PEERING, 0x80D06818, "A swarm that is not peering cannot be pinned.") \
    X(DO_E_DELETE_PINNED_SWARM, 0x80D06819, "A pinned swarm can only be deleted by force.") \
    X(DO_E_METAINFO_DIGEST_MATCH, 0x80D0681A, "The content metadata digest does not match.") \
    X(DO_E_METAINFO_HOH_MATCH, 0x80D0681B, "The first hash-of-hashes check failed.") \
    X(DO_E_METAINFO_HOH_FINAL_MATCH, 0x80D0681C, "The computed hash-of-hashes does not match.") \
    X(DO_E_METAINFO_CONTENT_LENGTH, 0x80D0681D, "The content length in the metadata is not valid.") \
    X(DO_E_METAINFO_PIECE_SIZE, 0x80D0681E, "The piece size in the metadata is not valid.") \
    X(DO_E_METAINFO_PARSE_HOH, 0x80D0681F, "The hash-of-hashes value could not be parsed.") \
    X(DO_E_METAINFO_PARSE_PIECEHASHES, 0x80D06820, "The list of piece hashes could not be parsed.") \
    X(DO_E_METAINFO_PARSE_ONE_PIECEHASH, 0x80D06821, "A piece hash could not be parsed.") \
    X(DO_E_METAINFO_FILE_SIZE, 0x80D06822, "The hash file's size could not be read or is wrong.")

/* BITS 1.0 (qmgr.h). */
#define BITSDO_QM_ERRORS(X) \
    X(QM_E_INVALID_STATE, 0x81001001, "The job or group is not in a state that allows this request.") \
    X(QM_E_SERVICE_UNAVAILABLE, 0x81001002, "The download service is not available.") \
    X(QM_E_DOWNLOADER_UNAVAILABLE, 0x81001003, "The downloader is not available.") \
    X(QM_E_ITEM_NOT_FOUND, 0x81001004, "No item with this identifier exists.")

/* System errors our transports report whose text is not in every system:
 * WinHTTP's ERROR_WINHTTP_* (12001-12190; Windows keeps their text in
 * winhttp.dll's message table, which Wine's winhttp.dll does not have) and
 * Winsock's WSA* codes (Wine's system table lacks some, WSAETIMEDOUT among
 * them), each as HRESULT_FROM_WIN32, and E_ABORT (no text in Wine 8). Used
 * only when the system has no text: the system's own (localised) text comes
 * first. */
#define BITSDO_SYS_ERRORS(X) \
    X(E_ABORT, 0x80004004, "The operation was aborted.") \
    X(ERROR_WINHTTP_OUT_OF_HANDLES, 0x80072EE1, "No more WinHTTP handles could be made.") \
    X(ERROR_WINHTTP_TIMEOUT, 0x80072EE2, "The request timed out: the server did not answer in time.") \
    X(ERROR_WINHTTP_INTERNAL_ERROR, 0x80072EE4, "The HTTP client hit an internal error.") \
    X(ERROR_WINHTTP_INVALID_URL, 0x80072EE5, "The URL is not valid.") \
    X(ERROR_WINHTTP_UNRECOGNIZED_SCHEME, 0x80072EE6, "The URL's scheme is not http or https.") \
    X(ERROR_WINHTTP_NAME_NOT_RESOLVED, 0x80072EE7, "The server name could not be resolved.") \
    X(ERROR_WINHTTP_INVALID_OPTION, 0x80072EE9, "An HTTP client option is not valid.") \
    X(ERROR_WINHTTP_OPTION_NOT_SETTABLE, 0x80072EEB, "This HTTP client option cannot be set, only read.") \
    X(ERROR_WINHTTP_SHUTDOWN, 0x80072EEC, "The HTTP client has been shut down.") \
    X(ERROR_WINHTTP_LOGIN_FAILURE, 0x80072EEF, "The server refused the user name and password.") \
    X(ERROR_WINHTTP_OPERATION_CANCELLED, 0x80072EF1, "The request was cancelled before it finished.") \
    X(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE, 0x80072EF2, "The HTTP handle is of the wrong type for this call.") \
    X(ERROR_WINHTTP_INCORRECT_HANDLE_STATE, 0x80072EF3, "The HTTP handle is in the wrong state for this call.") \
    X(ERROR_WINHTTP_CANNOT_CONNECT, 0x80072EFD, "No connection to the server could be made.") \
    X(ERROR_WINHTTP_CONNECTION_ERROR, 0x80072EFE, "The connection to the server was reset or ended early.") \
    X(ERROR_WINHTTP_RESEND_REQUEST, 0x80072F00, "The request has to be sent again (for example after authentication or a redirect).") \
    X(ERROR_WINHTTP_SECURE_CERT_DATE_INVALID, 0x80072F05, "The server's certificate has expired or is not valid yet.") \
    X(ERROR_WINHTTP_SECURE_CERT_CN_INVALID, 0x80072F06, "The server's certificate is for another host name.") \
    X(ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED, 0x80072F0C, "The server asks for a client certificate.") \
    X(ERROR_WINHTTP_SECURE_INVALID_CA, 0x80072F0D, "The server's certificate was issued by an authority that is not trusted.") \
    X(ERROR_WINHTTP_SECURE_CERT_REV_FAILED, 0x80072F19, "Whether the server's certificate is revoked could not be checked.") \
    X(ERROR_WINHTTP_CANNOT_CALL_BEFORE_OPEN, 0x80072F44, "This HTTP call is not allowed before the request is opened.") \
    X(ERROR_WINHTTP_CANNOT_CALL_BEFORE_SEND, 0x80072F45, "This HTTP call is not allowed before the request is sent.") \
    X(ERROR_WINHTTP_CANNOT_CALL_AFTER_SEND, 0x80072F46, "This HTTP call is not allowed after the request is sent.") \
    X(ERROR_WINHTTP_CANNOT_CALL_AFTER_OPEN, 0x80072F47, "This HTTP call is not allowed after the request is opened.") \
    X(ERROR_WINHTTP_HEADER_NOT_FOUND, 0x80072F76, "The requested HTTP header is not in the reply.") \
    X(ERROR_WINHTTP_INVALID_SERVER_RESPONSE, 0x80072F78, "The server's reply is not valid HTTP.") \
    X(ERROR_WINHTTP_INVALID_HEADER, 0x80072F79, "An HTTP header is malformed.") \
    X(ERROR_WINHTTP_INVALID_QUERY_REQUEST, 0x80072F7A, "The HTTP header query is not valid.") \
    X(ERROR_WINHTTP_HEADER_ALREADY_EXISTS, 0x80072F7B, "The HTTP header is already present.") \
    X(ERROR_WINHTTP_REDIRECT_FAILED, 0x80072F7C, "A redirect could not be followed (bad target, a scheme change that is not allowed, or too many hops).") \
    X(ERROR_WINHTTP_SECURE_CHANNEL_ERROR, 0x80072F7D, "The secure (TLS) channel to the server failed.") \
    X(ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT, 0x80072F86, "The proxy auto-configuration script has an error.") \
    X(ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT, 0x80072F87, "The proxy auto-configuration script could not be downloaded.") \
    X(ERROR_WINHTTP_SECURE_INVALID_CERT, 0x80072F89, "The server's certificate is not valid.") \
    X(ERROR_WINHTTP_SECURE_CERT_REVOKED, 0x80072F8A, "The server's certificate has been revoked.") \
    X(ERROR_WINHTTP_NOT_INITIALIZED, 0x80072F8C, "The HTTP client is not initialised.") \
    X(ERROR_WINHTTP_SECURE_FAILURE, 0x80072F8F, "The secure (TLS) connection failed: the server's certificate has errors.") \
    X(ERROR_WINHTTP_UNHANDLED_SCRIPT_TYPE, 0x80072F90, "The proxy auto-configuration script type is not supported.") \
    X(ERROR_WINHTTP_SCRIPT_EXECUTION_ERROR, 0x80072F91, "The proxy auto-configuration script failed while running.") \
    X(ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR, 0x80072F92, "The proxy could not be found automatically.") \
    X(ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE, 0x80072F93, "The server's certificate is not meant for server authentication.") \
    X(ERROR_WINHTTP_AUTODETECTION_FAILED, 0x80072F94, "No proxy auto-configuration could be detected.") \
    X(ERROR_WINHTTP_HEADER_COUNT_EXCEEDED, 0x80072F95, "The server's reply has too many headers.") \
    X(ERROR_WINHTTP_HEADER_SIZE_OVERFLOW, 0x80072F96, "The server's reply headers are too large.") \
    X(ERROR_WINHTTP_CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW, 0x80072F97, "A chunk header in the server's reply is too large.") \
    X(ERROR_WINHTTP_RESPONSE_DRAIN_OVERFLOW, 0x80072F98, "The server's reply body is too large to skip.") \
    X(ERROR_WINHTTP_CLIENT_CERT_NO_PRIVATE_KEY, 0x80072F99, "The client certificate has no private key.") \
    X(ERROR_WINHTTP_CLIENT_CERT_NO_ACCESS_PRIVATE_KEY, 0x80072F9A, "The client certificate's private key cannot be used.") \
    X(ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED_PROXY, 0x80072F9B, "The proxy asks for a client certificate.") \
    X(ERROR_WINHTTP_SECURE_FAILURE_PROXY, 0x80072F9C, "The secure (TLS) connection to the proxy failed.") \
    X(ERROR_WINHTTP_RESERVED_189, 0x80072F9D, "Reserved WinHTTP error 12189.") \
    X(ERROR_WINHTTP_HTTP_PROTOCOL_MISMATCH, 0x80072F9E, "The server and client do not agree on the HTTP protocol version.") \
    X(WSAEINTR, 0x80072714, "A network call was interrupted.") \
    X(WSAEACCES, 0x8007271D, "Access to the network socket was denied.") \
    X(WSAEFAULT, 0x8007271E, "A network call was given a bad address.") \
    X(WSAEINVAL, 0x80072726, "A network call was given an invalid argument.") \
    X(WSAEMFILE, 0x80072728, "Too many network sockets are open.") \
    X(WSAEWOULDBLOCK, 0x80072733, "The network operation would block.") \
    X(WSAEINPROGRESS, 0x80072734, "A blocking network operation is in progress.") \
    X(WSAENOTSOCK, 0x80072736, "The handle is not a network socket.") \
    X(WSAEADDRINUSE, 0x80072740, "The network address is already in use.") \
    X(WSAEADDRNOTAVAIL, 0x80072741, "The network address is not available on this machine.") \
    X(WSAENETDOWN, 0x80072742, "The network is down.") \
    X(WSAENETUNREACH, 0x80072743, "The network cannot be reached.") \
    X(WSAENETRESET, 0x80072744, "The network connection was reset.") \
    X(WSAECONNABORTED, 0x80072745, "The connection was aborted on this machine.") \
    X(WSAECONNRESET, 0x80072746, "The server reset the connection.") \
    X(WSAENOBUFS, 0x80072747, "No buffer space is left for the network socket.") \
    X(WSAENOTCONN, 0x80072749, "The network socket is not connected.") \
    X(WSAESHUTDOWN, 0x8007274A, "The network socket has been shut down.") \
    X(WSAETIMEDOUT, 0x8007274C, "The network connection timed out.") \
    X(WSAECONNREFUSED, 0x8007274D, "The server refused the connection.") \
    X(WSAEHOSTDOWN, 0x80072750, "The server is down.") \
    X(WSAEHOSTUNREACH, 0x80072751, "The server cannot be reached.") \
    X(WSASYSNOTREADY, 0x8007276B, "The network subsystem is not ready.") \
    X(WSANOTINITIALISED, 0x8007276D, "Windows Sockets is not initialised.") \
    X(WSAHOST_NOT_FOUND, 0x80072AF9, "The host name is not known.") \
    X(WSATRY_AGAIN, 0x80072AFA, "The host name could not be resolved now; try again later.") \
    X(WSANO_RECOVERY, 0x80072AFB, "Resolving the host name failed for good.") \
    X(WSANO_DATA, 0x80072AFC, "The host name has no address of the requested type.")

/* BG_ERROR_CONTEXT (bits.h): X(NAME, value, text). */
#define BITSDO_CONTEXTS(X) \
    X(BG_ERROR_CONTEXT_NONE, 0, "No error has happened.") \
    X(BG_ERROR_CONTEXT_UNKNOWN, 1, "The source of the error is not known.") \
    X(BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, 2, "The error came from the job manager.") \
    X(BG_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION, 3, "The error came from notifying the application.") \
    X(BG_ERROR_CONTEXT_LOCAL_FILE, 4, "The error came from the local file.") \
    X(BG_ERROR_CONTEXT_REMOTE_FILE, 5, "The error came from the remote file.") \
    X(BG_ERROR_CONTEXT_GENERAL_TRANSPORT, 6, "The error came from the network transport.") \
    X(BG_ERROR_CONTEXT_REMOTE_APPLICATION, 7, "The error came from the server-side application.")

/* clang-format on */

#endif
