/*
 * file5_call_as.c - the [call_as] glue of IBackgroundCopyFile5's SetProperty
 * and GetProperty, linked into bitsdo.dll with the widl-generated proxies.
 *
 * SPDX-License-Identifier: MIT
 *
 * Why: BITS_FILE_PROPERTY_VALUE is a union whose only arm is a string
 * pointer. Wine 8's NDR engine sizes the string of a pointer arm only when
 * the union is inside a complex struct, so the union as a parameter of its
 * own cannot carry a non-NULL string (RPC_X_BAD_STUB_DATA). The IDL marks
 * both methods [local] and sends the string itself instead
 * (RemoteSetProperty / RemoteGetProperty).
 *
 * Invariants: the proxies give the caller what the object in its own
 * apartment gives: every property id goes to the object, which answers
 * E_INVALIDARG for the ids it does not know; only for
 * BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS is the union's String member
 * meaningful, so only that id sends a string (NULL otherwise). GetProperty's
 * String is NULL unless the call succeeded, and the out-union is written
 * (String = NULL) before anything can fail, as the object does.
 */
#include <windows.h>
#include <ole2.h>

#include "DeliveryOptimization.h"

/* Client side: the caller's union becomes the string. */
HRESULT CALLBACK IBackgroundCopyFile5_SetProperty_Proxy(IBackgroundCopyFile5 *This, BITS_FILE_PROPERTY_ID PropertyId,
                                                        BITS_FILE_PROPERTY_VALUE PropertyValue)
{
    LPCWSTR string = PropertyId == BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS ? PropertyValue.String : NULL;

    return IBackgroundCopyFile5_RemoteSetProperty_Proxy(This, PropertyId, string);
}

/* Server side: the string becomes the object's union. */
HRESULT __RPC_STUB IBackgroundCopyFile5_SetProperty_Stub(IBackgroundCopyFile5 *This, BITS_FILE_PROPERTY_ID PropertyId,
                                                         LPCWSTR String)
{
    BITS_FILE_PROPERTY_VALUE value;

    value.String = (LPWSTR)String;
    return IBackgroundCopyFile5_SetProperty(This, PropertyId, value);
}

/* Client side: the string comes back into the caller's union. */
HRESULT CALLBACK IBackgroundCopyFile5_GetProperty_Proxy(IBackgroundCopyFile5 *This, BITS_FILE_PROPERTY_ID PropertyId,
                                                        BITS_FILE_PROPERTY_VALUE *PropertyValue)
{
    LPWSTR string = NULL;
    HRESULT hr;

    if (!PropertyValue)
        return E_POINTER;
    PropertyValue->String = NULL;
    hr = IBackgroundCopyFile5_RemoteGetProperty_Proxy(This, PropertyId, &string);
    if (SUCCEEDED(hr))
        PropertyValue->String = string;
    else
        CoTaskMemFree(string);
    return hr;
}

/* Server side: the object's union goes out as its string. */
HRESULT __RPC_STUB IBackgroundCopyFile5_GetProperty_Stub(IBackgroundCopyFile5 *This, BITS_FILE_PROPERTY_ID PropertyId,
                                                         LPWSTR *String)
{
    BITS_FILE_PROPERTY_VALUE value;
    HRESULT hr;

    value.String = NULL;
    hr = IBackgroundCopyFile5_GetProperty(This, PropertyId, &value);
    *String = NULL;
    if (PropertyId != BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS)
        return hr; /* no string arm: nothing of the union is sent */
    if (SUCCEEDED(hr))
        *String = value.String; /* the stub frees it once marshaled */
    else
        CoTaskMemFree(value.String);
    return hr;
}
