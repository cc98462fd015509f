<?php
/**
 * The PHP side of test/mediawiki/cross-language.test.ts: signs and verifies tokens and builds
 * events with the extension's own classes. Reads one JSON request on stdin, writes JSON.
 *   {"op":"ingest-token","wiki":…,"secret":…,"kid":…|absent,"ttl":60}
 *   {"op":"edge-token","wiki":…,"secret":…,"user":…|null,"cid":…,"groups":[…],"send":[…],"ttl":600}
 *   {"op":"verify","wiki":…,"secret":…,"token":…,"aud":…|null}  → {"claims":…} or {"error":reason}
 *   {"op":"events","wiki":…}  → sample events as the extension sends them
 */

declare( strict_types=1 );

require __DIR__ . '/bootstrap.php';

use MediaWiki\Extension\Wikicast\ChangeMessage;
use MediaWiki\Extension\Wikicast\EventFactory;
use MediaWiki\Extension\Wikicast\JwtException;
use MediaWiki\Extension\Wikicast\TokenFactory;

$request = json_decode( (string)stream_get_contents( STDIN ), true, 512, JSON_THROW_ON_ERROR );
$tokens = new TokenFactory( $request['wiki'], $request['secret'] ?? '', $request['kid'] ?? null );
switch ( $request['op'] ) {
	case 'ingest-token':
		$out = [ 'token' => $tokens->ingestToken( $request['ttl'] ) ];
		break;
	case 'edge-token':
		$out = $tokens->edgeToken( $request['user'], $request['cid'], $request['groups'], $request['send'], $request['ttl'] );
		break;
	case 'verify':
		try {
			$out = [ 'claims' => $tokens->verify( $request['token'], $request['aud'] ?? null ) ];
		} catch ( JwtException $e ) {
			$out = [ 'error' => $e->reason ];
		}
		break;
	case 'events':
		$events = new EventFactory( $request['wiki'] );
		$site = [ 'wiki' => $request['wiki'], 'server_url' => 'http://127.0.0.1', 'server_name' => '127.0.0.1', 'server_script_path' => '/' ];
		$edit = ChangeMessage::build( [
			'type' => 'edit', 'rc_id' => 1, 'namespace' => 0, 'title' => 'Main Page', 'page_id' => 1, 'comment' => 'c',
			'timestamp' => time(), 'user' => 'Alice', 'minor' => false, 'length_old' => 1, 'length_new' => 2,
			'revision_old' => 1, 'revision_new' => 2,
		], $site );
		$out = [
			$events->event( $events->topic( 'recentchange' ), 'edit', $edit ),
			$events->event( $events->topic( 'page:1' ), 'edit', $edit, [ 'from' => 'WS0123', 'audience' => [ 'groups' => [ 'user' ] ] ] ),
			$events->seedEvent( 'FooDataChanged', [ 'x' => 1 ], [ 'WS1', 'WS2' ], 'WS0' ),
			$events->seedEvent( $request['wiki'] . ':42:UpdateComments', 'hello' ),
		];
		break;
	default:
		throw new InvalidArgumentException( 'unknown op' );
}
echo json_encode( $out, JSON_UNESCAPED_SLASHES ), "\n";
