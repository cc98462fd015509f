<?php

use MediaWiki\Extension\Wikicast\ChangeMessage;
use MediaWiki\Extension\Wikicast\EventFactory;
use MediaWiki\Extension\Wikicast\Sender;
use MediaWiki\Extension\Wikicast\Settings;

const SITE = [
	'wiki' => 'demo',
	'server_url' => 'http://wiki.example',
	'server_name' => 'wiki.example',
	'server_script_path' => '/w',
	'hide_ip_users' => false,
];

function fixedFactory(): EventFactory {
	return new EventFactory( 'demo', static function (): float {
		return 1763805600.123;
	}, static function ( int $n ): string {
		return str_repeat( "\xff", $n );
	} );
}

function editRow( array $overrides = [] ): array {
	return $overrides + [
		'type' => 'edit', 'rc_id' => 7, 'namespace' => 0, 'title' => 'Main Page', 'page_id' => 1,
		'comment' => 'typo', 'timestamp' => 1763805600, 'user' => 'Alice', 'user_is_anon' => false,
		'bot' => false, 'minor' => true, 'length_old' => 100, 'length_new' => 103,
		'revision_old' => 1, 'revision_new' => 2, 'deleted' => 0,
	];
}

return [
	'UUIDv7: version and variant bits, time prefix, unique' => static function () {
		$events = new EventFactory( 'demo' );
		$id = $events->uuidV7();
		assertTrue( preg_match( '/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/', $id ) === 1, $id );
		$ms = hexdec( str_replace( '-', '', substr( $id, 0, 13 ) ) );
		assertTrue( abs( $ms - microtime( true ) * 1000 ) < 5000, 'the first 48 bits are now in ms' );
		$ids = [];
		for ( $i = 0; $i < 1000; $i++ ) {
			$ids[$events->uuidV7()] = true;
		}
		assertSame( count( $ids ), 1000, 'no duplicates' );
		assertSame( fixedFactory()->uuidV7(), '019aab01-997b-7fff-bfff-ffffffffffff' );
	},
	'an event has the SPEC envelope and drops empty routing' => static function () {
		$event = fixedFactory()->event( 'demo:recentchange', 'edit', [ 'title' => 'X' ], [ 'from' => null, 'to' => [], 'audience' => null ] );
		assertSame( array_keys( $event ), [ 'id', 'wiki', 'topic', 'type', 'msg', 'ts' ] );
		assertSame( $event['wiki'], 'demo' );
		assertSame( $event['ts'], '2025-11-22T10:00:00.123Z' );
		$routed = fixedFactory()->event( 'demo:x', 't', 1, [ 'from' => 'WS1', 'to' => [ 'WS2' ], 'audience' => [ 'groups' => [ 'sysop' ] ] ] );
		assertSame( [ $routed['from'], $routed['to'], $routed['audience'] ], [ 'WS1', [ 'WS2' ], [ 'groups' => [ 'sysop' ] ] ] );
	},
	'seed send: bare names are scoped to the wiki, wsWikiID-prefixed types kept' => static function () {
		$events = fixedFactory();
		$bare = $events->seedEvent( 'FooDataChanged', [ 'a' => 1 ] );
		assertSame( [ $bare['topic'], $bare['type'] ], [ 'demo:FooDataChanged', 'FooDataChanged' ] );
		assertTrue( !isset( $bare['to'] ) && !isset( $bare['from'] ), 'to=false: every subscriber' );
		$prefixed = $events->seedEvent( 'demo:42:UpdateComments', null, 'WS1', 'WS0' );
		assertSame( [ $prefixed['topic'], $prefixed['type'], $prefixed['to'], $prefixed['from'] ],
			[ 'demo:42:UpdateComments', 'demo:42:UpdateComments', [ 'WS1' ], 'WS0' ] );
		assertSame( $events->seedEvent( 'T', 1, [ 'WS1', 'WS2' ] )['to'], [ 'WS1', 'WS2' ] );
		assertThrows( static function () use ( $events ) {
			$events->seedEvent( 'has space', 1 );
		}, InvalidArgumentException::class );
	},
	'a wiki id must match the protocol pattern' => static function () {
		assertThrows( static function () {
			new EventFactory( 'bad wiki' );
		}, InvalidArgumentException::class );
		new EventFactory( 'mw_db-1' );
	},
	'edit: recentchange fields' => static function () {
		$msg = ChangeMessage::build( editRow(), SITE );
		assertSame( $msg, [
			'id' => 7, 'type' => 'edit', 'namespace' => 0, 'title' => 'Main Page', 'page_id' => 1,
			'comment' => 'typo', 'timestamp' => 1763805600, 'user' => 'Alice', 'bot' => false, 'minor' => true,
			'length' => [ 'old' => 100, 'new' => 103 ], 'revision' => [ 'old' => 1, 'new' => 2 ],
			'server_url' => 'http://wiki.example', 'server_name' => 'wiki.example', 'server_script_path' => '/w', 'wiki' => 'demo',
		] );
	},
	'new page: no old revision or length' => static function () {
		$msg = ChangeMessage::build( editRow( [ 'type' => 'new', 'revision_old' => 0, 'length_old' => 0 ] ), SITE );
		assertSame( [ $msg['revision'], $msg['length'] ], [ [ 'old' => null, 'new' => 2 ], [ 'old' => null, 'new' => 103 ] ] );
	},
	'log entries: log fields with API-style parameter names' => static function () {
		$msg = ChangeMessage::build( editRow( [
			'type' => 'log', 'log_id' => 3, 'log_type' => 'move', 'log_action' => 'move',
			'log_params' => [ '4::target' => 'New', '5::noredir' => '0' ],
		] ), SITE );
		assertSame( [ $msg['log_type'], $msg['log_action'], $msg['log_params'] ], [ 'move', 'move', [ 'target' => 'New', 'noredir' => '0' ] ] );
		assertTrue( !isset( $msg['revision'] ) && !isset( $msg['minor'] ), 'no edit fields on log entries' );
	},
	'never an IP address field; IP editors shown as MediaWiki shows them' => static function () {
		$row = editRow( [ 'user' => '192.0.2.7', 'user_is_anon' => true, 'ip' => '192.0.2.7' ] );
		$msg = ChangeMessage::build( $row, SITE );
		assertSame( $msg['user'], '192.0.2.7' );
		assertTrue( !array_key_exists( 'ip', $msg ), 'no ip key' );
		$registered = ChangeMessage::build( editRow( [ 'ip' => '192.0.2.8' ] ), SITE );
		assertTrue( strpos( json_encode( $registered ), '192.0.2.8' ) === false, 'a logged-in user\'s IP never appears' );
	},
	'with temporary accounts, IP editors are not named' => static function () {
		$msg = ChangeMessage::build( editRow( [ 'user' => '192.0.2.7', 'user_is_anon' => true ] ), [ 'hide_ip_users' => true ] + SITE );
		assertSame( [ $msg['user'], $msg['userhidden'] ], [ null, true ] );
		assertTrue( strpos( json_encode( $msg ), '192.0.2.7' ) === false, 'no IP anywhere' );
		$temp = ChangeMessage::build( editRow( [ 'user' => '~2025-1', 'user_is_temp' => true ] ), [ 'hide_ip_users' => true ] + SITE );
		assertSame( [ $temp['user'], $temp['user_is_temp'] ], [ '~2025-1', true ] );
	},
	'revision deletion hides comment, user and size' => static function () {
		$msg = ChangeMessage::build( editRow( [ 'deleted' => ChangeMessage::DELETED_TEXT | ChangeMessage::DELETED_COMMENT | ChangeMessage::DELETED_USER ] ), SITE );
		assertSame( [ $msg['comment'], $msg['user'], $msg['commenthidden'], $msg['userhidden'], $msg['texthidden'] ], [ '', null, true, true, true ] );
		assertTrue( !isset( $msg['length'] ), 'no sizes of hidden text' );
		$encoded = json_encode( $msg );
		assertTrue( strpos( $encoded, 'typo' ) === false && strpos( $encoded, 'Alice' ) === false, 'nothing hidden leaks' );
	},
	'a log entry with its action hidden loses target and parameters' => static function () {
		$msg = ChangeMessage::build( editRow( [
			'type' => 'log', 'log_type' => 'block', 'log_action' => 'block', 'title' => 'User:Mallory',
			'log_params' => [ '5::duration' => 'infinite' ], 'deleted' => ChangeMessage::DELETED_TEXT,
		] ), SITE );
		assertSame( [ $msg['title'], $msg['namespace'], $msg['page_id'] ], [ null, null, null ] );
		assertTrue( !isset( $msg['log_params'] ), 'no parameters' );
	},
	'send patterns are the union over the user\'s groups' => static function () {
		$settings = new Settings();
		$settings->sendPatterns = [ 'user' => [ 'demo:chat' ], 'sysop' => [ '*', 'demo:chat' ] ];
		assertSame( $settings->sendPatternsFor( [ '*', 'user', 'sysop' ] ), [ 'demo:chat', '*' ] );
		assertSame( $settings->sendPatternsFor( [ '*' ] ), [] );
	},
	'retry delays double up to the cap' => static function () {
		assertSame( array_map( [ Sender::class, 'retryDelayS' ], [ 1, 2, 3, 4, 5, 6, 7, 50 ] ), [ 1, 2, 4, 8, 16, 30, 30, 30 ] );
	},
];
