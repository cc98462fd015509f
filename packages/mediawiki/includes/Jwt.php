<?php

namespace MediaWiki\Extension\Wikicast;

/**
 * A minimal HS256 JSON Web Token codec (RFC 7519 with RFC 7515's compact form).
 *
 * Written here rather than depending on firebase/php-jwt because Debian's `mediawiki` package
 * (the 1.39 LTS this extension targets) does not ship that library, and an extension installed
 * by copying a folder cannot rely on Composer. HS256 needs only hash_hmac and base64url, and
 * Wikicast needs nothing else: the services accept HS256 alone.
 *
 * No MediaWiki dependency, so the unit tests and the cross-language test run it with plain PHP.
 */
final class Jwt {
	public const ALGORITHM = 'HS256';

	/**
	 * @param array<string,mixed> $claims
	 * @param string $secret the wiki's shared secret
	 * @param string|null $keyId the secret's id in the wikis file (the header's `kid`), so the
	 *   services verify with that key alone while the wiki's keys are rotated; null: no `kid`
	 * @return string the compact token `header.payload.signature`
	 */
	public static function sign( array $claims, string $secret, ?string $keyId = null ): string {
		if ( $secret === '' ) {
			throw new JwtException( 'no_secret', 'cannot sign a token without a secret' );
		}
		$header = [ 'alg' => self::ALGORITHM, 'typ' => 'JWT' ];
		if ( $keyId !== null ) {
			$header['kid'] = $keyId;
		}
		$header = self::base64UrlEncode( self::json( $header ) );
		$payload = self::base64UrlEncode( self::json( $claims ) );
		$signature = hash_hmac( 'sha256', "$header.$payload", $secret, true );
		return "$header.$payload." . self::base64UrlEncode( $signature );
	}

	/**
	 * Verifies the signature and the time claims and returns the claims. `exp` is required,
	 * as the services require it.
	 *
	 * @param string $token
	 * @param string $secret
	 * @param int $now seconds since the epoch
	 * @param int $leewayS clock tolerance, as the services allow
	 * @return array<string,mixed>
	 * @throws JwtException with a reason code: malformed, bad_signature, expired, not_yet_valid
	 */
	public static function verify( string $token, string $secret, int $now, int $leewayS = 5 ): array {
		$parts = explode( '.', $token );
		if ( count( $parts ) !== 3 ) {
			throw new JwtException( 'malformed', 'a JWT has three dot-separated parts' );
		}
		[ $header64, $payload64, $signature64 ] = $parts;
		$header = self::decodePart( $header64 );
		if ( ( $header['alg'] ?? null ) !== self::ALGORITHM ) {
			// Checked before the signature so that `alg: none` and RS/HS confusion never pass.
			throw new JwtException( 'malformed', 'only HS256 tokens are accepted' );
		}
		$expected = hash_hmac( 'sha256', "$header64.$payload64", $secret, true );
		if ( !hash_equals( $expected, self::base64UrlDecode( $signature64 ) ) ) {
			throw new JwtException( 'bad_signature', 'the signature does not match the secret' );
		}
		$claims = self::decodePart( $payload64 );
		if ( !isset( $claims['exp'] ) || !is_int( $claims['exp'] ) ) {
			throw new JwtException( 'malformed', 'the token has no integer exp claim' );
		}
		if ( $claims['exp'] + $leewayS <= $now ) {
			throw new JwtException( 'expired', 'the token has expired' );
		}
		if ( isset( $claims['nbf'] ) && is_int( $claims['nbf'] ) && $claims['nbf'] - $leewayS > $now ) {
			throw new JwtException( 'not_yet_valid', 'the token is not valid yet' );
		}
		return $claims;
	}

	public static function base64UrlEncode( string $bytes ): string {
		return rtrim( strtr( base64_encode( $bytes ), '+/', '-_' ), '=' );
	}

	public static function base64UrlDecode( string $text ): string {
		if ( preg_match( '/^[A-Za-z0-9_-]*$/', $text ) !== 1 ) {
			throw new JwtException( 'malformed', 'a token part is not base64url' );
		}
		$decoded = base64_decode( strtr( $text, '-_', '+/' ), true );
		if ( $decoded === false ) {
			throw new JwtException( 'malformed', 'a token part is not base64url' );
		}
		return $decoded;
	}

	/**
	 * @param string $part
	 * @return array<string,mixed>
	 */
	private static function decodePart( string $part ): array {
		$value = json_decode( self::base64UrlDecode( $part ), true );
		if ( !is_array( $value ) ) {
			throw new JwtException( 'malformed', 'a token part is not a JSON object' );
		}
		return $value;
	}

	/**
	 * @param array<string,mixed> $value
	 * @return string
	 */
	private static function json( array $value ): string {
		// An empty claims array must still be a JSON object, not `[]`.
		return json_encode( $value === [] ? (object)[] : $value,
			JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR );
	}
}
